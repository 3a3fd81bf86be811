"""Two nodes, one service (issue 21): what the nodes share in PostgreSQL (docs/scaling.md).

- `calls.node`, `queue_legs.node`: the node (ALLO_NODE_NAME, also Asterisk's `systemname`, so Uniqueids never
  collide across nodes) whose Asterisk holds the call; NULL on a single node. A call cut because its node died
  gets `end_reason = 'node_lost'` (and its open leg the same), set by the surviving nodes' sweeper.
- `cluster_nodes`: one row per node, its allo's heartbeat (`beat_at`, every second) and whether its allo sees its
  Asterisk (`asterisk_up`, AMI connected; `asterisk_since`, when it last came up). A node whose heartbeat is old or
  whose Asterisk is down for longer than `node_lost_seconds` has lost its calls.
- `agent_presence`: the advisers' desired state, the truth both nodes apply (a reconciler per node): logged in
  (to the queues of `agent_queues`), paused and why. No row: allo has never acted for this adviser (unmanaged).
- `node_live`: each node's live queues (waiting callers, members), written by its allo, read by every dashboard,
  which shows the nodes' queues as one.
- `kamailio_subscribers`: the view Kamailio's auth_db reads: the agents' stored MD5(user:realm:password) as `ha1`,
  so a password is set once (realm `allo`).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("node", sa.String(32)))
    op.add_column("queue_legs", sa.Column("node", sa.String(32)))
    # The sweeper looks for open calls of one node.
    op.create_index("ix_calls_node_open", "calls", ["node"], postgresql_where=sa.text("ended_at IS NULL"))
    op.create_table(
        "cluster_nodes",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("http_url", sa.Text),
        sa.Column("sip_address", sa.Text),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asterisk_up", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("asterisk_since", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "agent_presence",
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("logged_in", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("paused", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("pause_reason", sa.String(80), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_by", sa.String(63)),
        sa.Column("node", sa.String(32)),
    )
    op.create_table(
        "node_live",
        sa.Column("node", sa.String(32), primary_key=True),
        sa.Column("snapshot", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.execute("CREATE VIEW kamailio_subscribers AS SELECT username, password_digest AS ha1 FROM agents "
               "WHERE enabled")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS kamailio_subscribers")
    op.drop_table("node_live")
    op.drop_table("agent_presence")
    op.drop_table("cluster_nodes")
    op.drop_index("ix_calls_node_open", table_name="calls")
    op.drop_column("queue_legs", "node")
    op.drop_column("calls", "node")

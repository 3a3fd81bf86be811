"""Integer parameters that name a database row, bounded to their column's range.

A number PostgreSQL cannot hold (a version id of 2**60, found by schemathesis) failed the query with a 500; bounded
here, it is refused by validation with a 422 before any query.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

INT4_MAX = 2**31 - 1  # Integer columns
INT8_MAX = 2**63 - 1  # BigInteger columns

RowId = Annotated[int, Path(ge=1, le=INT4_MAX, description="a row id (1 to 2^31-1)")]
RowIdQuery = Annotated[int, Query(ge=1, le=INT4_MAX, description="a row id (1 to 2^31-1)")]

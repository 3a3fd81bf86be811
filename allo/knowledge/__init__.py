"""The knowledge base: the DILA answer sheets ("fiches"), imported, stored, searched; escalation sheets."""

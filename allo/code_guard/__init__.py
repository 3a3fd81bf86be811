"""Access codes bounded across calls: the ledger of wrong codes, the surge alert, the guard of one call."""

"""The directory of public bodies (the DILA's "Annuaire de l'administration"): import, storage, search."""

"""allo: IVR and call routing for a public administrative-information hotline."""

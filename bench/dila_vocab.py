"""French vocabulary for the synthetic DILA data (bench/dila_gen.py): the six sectors' subjects, sentence parts,
real large communes (so that « caf metz » or « 69003 » find something) and the pivot codes' weights.

Invented text, realistic words: what matters for the bench is the shape and the size of the files and a search
vocabulary like the real one (accents, elisions, multi-word subjects shared between sheets).
"""

from __future__ import annotations

# sector -> (theme titles, subjects (sheet titles' heads), qualifiers, pivots of its « où s'adresser »)
SECTORS: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "interieur": (
        ["Papiers - Citoyenneté - Élections", "Étrangers en France"],
        ["Carte d'identité", "Passeport", "Titre de séjour", "Naturalisation", "Visa de long séjour",
         "Changement de nom", "Inscription sur les listes électorales", "Procuration de vote",
         "Certificat d'immatriculation", "Permis de conduire", "Acte de naissance", "Livret de famille",
         "Recensement citoyen", "Déclaration de perte", "Carte de résident", "Regroupement familial",
         "Autorisation de sortie du territoire", "Légalisation de signature", "Duplicata de permis",
         "Attestation d'accueil", "Changement d'adresse", "Carte grise d'un véhicule d'occasion"],
        ["pour un mineur", "en cas de perte ou de vol", "à l'étranger", "pour un majeur protégé",
         "en urgence", "après un déménagement", "d'un ressortissant européen", "pour un étudiant",
         "en cas de changement d'état civil", "délai de délivrance", "documents à fournir", "coût"],
        ["mairie", "prefecture", "sous_pref", "paris_ppp", "commissariat_police", "gendarmerie", "msap"]),
    "travail": (
        ["Travail - Formation", "Emploi - Chômage"],
        ["Démission", "Licenciement pour motif personnel", "Licenciement économique", "Rupture conventionnelle",
         "Période d'essai", "Congés payés", "Heures supplémentaires", "Arrêt maladie du salarié",
         "Salaire minimum", "Bulletin de paie", "Contrat à durée déterminée", "Travail à temps partiel",
         "Télétravail", "Harcèlement moral au travail", "Accident du travail", "Préavis",
         "Indemnité de licenciement", "Allocation chômage", "Congé maternité", "Congé parental d'éducation",
         "Apprentissage", "Compte personnel de formation", "Élections du CSE", "Inaptitude au travail"],
        ["dans le secteur privé", "d'un salarié en CDD", "pendant la période d'essai", "d'un apprenti",
         "en cas de faute grave", "d'un salarié à domicile", "calcul du montant", "délais à respecter",
         "recours du salarié", "obligations de l'employeur", "d'un intérimaire", "dans la fonction publique"],
        ["ddets", "direccte_ut", "droit_travail", "prudhommes", "france_travail", "urssaf", "msap"]),
    "consommation": (
        ["Argent - Consommation", "Achats et services"],
        ["Délai de rétractation", "Garantie légale de conformité", "Démarchage téléphonique",
         "Achat en ligne", "Crédit à la consommation", "Surendettement", "Résiliation d'un abonnement",
         "Litige avec un commerçant", "Médiation de la consommation", "Vente à distance",
         "Garantie des vices cachés", "Compte bancaire", "Chèque sans provision", "Frais bancaires",
         "Assurance emprunteur", "Réparation d'un véhicule", "Location de voiture", "Fourniture d'énergie",
         "Contrat de téléphonie mobile", "Soldes et promotions"],
        ["d'un bien d'occasion", "sur internet", "pour un service", "en cas de litige", "délai de réclamation",
         "recours amiable", "vendeur professionnel", "achat à l'étranger", "remboursement",
         "modèle de lettre"],
        ["msap", "point_justice", "tgi", "mjd", "cdad"]),
    "justice": (
        ["Justice - Famille", "Famille - Scolarité"],
        ["Pension alimentaire", "Divorce par consentement mutuel", "Autorité parentale", "Pacs",
         "Mariage", "Adoption", "Succession", "Testament", "Tutelle d'un majeur", "Curatelle",
         "Casier judiciaire", "Aide juridictionnelle", "Plainte", "Victime d'infraction",
         "Médiation familiale", "Garde alternée", "Reconnaissance d'un enfant", "Filiation",
         "Donation", "Injonction de payer", "Conciliateur de justice", "Saisie sur salaire"],
        ["après une séparation", "d'un enfant mineur", "procédure", "devant le juge", "à l'amiable",
         "coût et délais", "en cas de désaccord", "à l'étranger", "modification", "révision du montant"],
        ["tgi", "ti", "point_justice", "mjd", "cdad", "caf", "mairie", "commissariat_police"]),
    "fiscalite": (
        ["Impôts - Taxes", "Fiscalité du patrimoine"],
        ["Déclaration de revenus", "Prélèvement à la source", "Taxe foncière", "Taxe d'habitation",
         "Impôt sur le revenu", "Crédit d'impôt pour l'emploi à domicile", "Pension alimentaire déductible",
         "Quotient familial", "Revenus fonciers", "Plus-value immobilière", "Taxe sur les logements vacants",
         "Réclamation fiscale", "Paiement de l'impôt", "Avis d'imposition", "Dons aux associations",
         "Frais réels", "Rattachement d'un enfant majeur", "Exonération de taxe foncière"],
        ["d'un couple marié", "en cas de déménagement", "d'un retraité", "délai de paiement",
         "modulation du taux", "erreur de déclaration", "d'un non-résident", "première déclaration",
         "en ligne", "d'un étudiant"],
        ["sip", "sie", "tresorerie", "centre_impots_fonciers", "msap"]),
    "logement": (
        ["Logement - Urbanisme", "Location et copropriété"],
        ["Aide personnalisée au logement", "Dépôt de garantie", "Bail d'habitation", "Préavis du locataire",
         "État des lieux", "Charges locatives", "Logement indécent", "Expulsion locative", "Logement social",
         "Permis de construire", "Déclaration préalable de travaux", "Copropriété", "Assurance habitation",
         "Encadrement des loyers", "Révision du loyer", "Colocation", "Troubles de voisinage",
         "Diagnostics immobiliers", "Prêt à taux zéro", "MaPrimeRénov'"],
        ["d'un logement vide", "d'un logement meublé", "en zone tendue", "délais", "montant",
         "en cas de litige", "restitution", "conditions", "démarches", "d'un étudiant"],
        ["adil", "caf", "mairie", "commission_conciliation", "msap", "ccas"]),
}

# Sentence parts for the paragraphs (mixed with the sheet's own subject).
SUBJECTS = ["Le demandeur", "Le salarié", "Le locataire", "L'employeur", "Le bailleur", "Vous",
            "Le consommateur", "Le parent", "Le contribuable", "L'administration", "La personne concernée"]
VERBS = ["doit adresser sa demande", "peut contester la décision", "doit fournir un justificatif",
         "peut saisir le juge", "doit respecter un délai", "peut obtenir un remboursement",
         "doit informer l'organisme", "peut demander une aide", "doit déclarer le changement",
         "peut faire appel à un conciliateur", "doit présenter une pièce d'identité"]
TAILS = ["dans un délai de 2 mois", "par lettre recommandée avec avis de réception", "en ligne ou sur place",
         "auprès de la mairie de son domicile", "avant la date limite", "sans frais", "dès réception du courrier",
         "sur rendez-vous", "dans les 15 jours", "selon sa situation", "à partir du 1er janvier",
         "en joignant les pièces justificatives", "par voie électronique"]
AMOUNTS = ["25 €", "86 €", "1 766,92 €", "11,88 € brut de l'heure", "3 mois de loyer", "1 mois",
           "15 jours", "2 ans", "5 ans", "10 %", "50 €", "200 €"]
CASES = ["Vous êtes salarié", "Vous êtes fonctionnaire", "Vous êtes locataire", "Vous êtes propriétaire",
         "Vous êtes majeur", "Vous êtes mineur", "Vous habitez en France", "Vous habitez à l'étranger",
         "Vous êtes marié ou pacsé", "Vous vivez seul"]

# Real large communes (INSEE, name, postal codes, department): the queries of the bench name them.
REAL_COMMUNES: list[tuple[str, str, list[str], str]] = [
    ("57463", "Metz", ["57000", "57050", "57070"], "57"), ("69123", "Lyon", ["69001", "69003", "69007"], "69"),
    ("34172", "Montpellier", ["34000", "34070", "34080"], "34"), ("75115", "Paris 15e Arrondissement",
                                                                  ["75015"], "75"),
    ("13055", "Marseille", ["13001", "13008"], "13"), ("31555", "Toulouse", ["31000", "31400"], "31"),
    ("06088", "Nice", ["06000", "06100"], "06"), ("44109", "Nantes", ["44000", "44300"], "44"),
    ("67482", "Strasbourg", ["67000", "67100"], "67"), ("33063", "Bordeaux", ["33000", "33800"], "33"),
    ("59350", "Lille", ["59000", "59800"], "59"), ("35238", "Rennes", ["35000", "35200"], "35"),
    ("51454", "Reims", ["51100"], "51"), ("42218", "Saint-Étienne", ["42000", "42100"], "42"),
    ("83137", "Toulon", ["83000", "83100"], "83"), ("38185", "Grenoble", ["38000", "38100"], "38"),
    ("21231", "Dijon", ["21000"], "21"), ("49007", "Angers", ["49000", "49100"], "49"),
    ("30189", "Nîmes", ["30000", "30900"], "30"), ("63113", "Clermont-Ferrand", ["63000", "63100"], "63"),
    ("72181", "Le Mans", ["72000", "72100"], "72"), ("29019", "Brest", ["29200"], "29"),
    ("37261", "Tours", ["37000", "37100"], "37"), ("80021", "Amiens", ["80000", "80080"], "80"),
    ("87085", "Limoges", ["87000", "87100"], "87"), ("2A004", "Ajaccio", ["20000", "20090"], "2A"),
    ("97411", "Saint-Denis", ["97400"], "974"), ("64445", "Pau", ["64000"], "64"),
    ("25056", "Besançon", ["25000"], "25"), ("45234", "Orléans", ["45000", "45100"], "45"),
    ("14118", "Caen", ["14000"], "14"), ("76540", "Rouen", ["76000", "76100"], "76"),
    ("54395", "Nancy", ["54000", "54100"], "54"), ("12202", "Rodez", ["12000"], "12"),
]

DEPARTMENTS: list[str] = ([f"{d:02d}" for d in range(1, 20)] + ["2A", "2B"] + [f"{d:02d}" for d in range(21, 96)]
                          + ["971", "972", "973", "974", "976"])  # 101

NAME_PREFIXES = ["", "", "", "Saint-", "Sainte-", "Le ", "La ", "Les ", "Villers-", "Mont-", "Notre-Dame-de-"]
NAME_ROOTS = ["Beau", "Roche", "Château", "Font", "Bois", "Val", "Ville", "Aulnay", "Bourg", "Champ", "Clair",
              "Vaux", "Mesnil", "Aurélie", "Étienne", "Brév", "Cour", "Fleur", "Mar", "Saul", "Vern", "Lorm",
              "Bréh", "Gény", "Ly", "Quimp", "Cham", "Puy", "Mauri", "Andr", "Oll", "Sév", "Hér", "Thi", "Auxon"]
NAME_ENDS = ["ville", "court", "ac", "ay", "heim", "ière", "ès", "ieu", "ons", "eux", "ange", "y", "in", "ois",
             "euil", "mont", "lès", "ard", "elle"]
NAME_SUFFIXES = ["", "", "", "", "-sur-Loire", "-en-Bresse", "-les-Bains", "-le-Château", "-sur-Mer",
                 "-des-Causses", "-en-Vexin", "-la-Forêt", "-sur-Saône", "-d'Armagnac", "-aux-Bois"]
STREETS = ["rue de la République", "place de la Mairie", "avenue Jean-Jaurès", "boulevard Gambetta",
           "rue Victor-Hugo", "place du Général-de-Gaulle", "rue de l'Église", "avenue de la Gare",
           "rue Pasteur", "quai des Arts", "rue du Château", "allée des Tilleuls"]

# pivot -> relative number of bodies beyond the town halls (one town hall per commune), and how many communes
# one body serves (min, max).
PIVOT_WEIGHTS: dict[str, tuple[int, int, int]] = {
    "ccas": (8000, 1, 1), "gendarmerie": (3000, 3, 20), "msap": (2800, 5, 40), "point_justice": (1500, 5, 40),
    "tresorerie": (1500, 10, 60), "cpam": (1500, 10, 80), "epci": (1250, 10, 60), "sip": (1000, 20, 120),
    "france_travail": (900, 20, 120), "sie": (600, 20, 120), "mission_locale": (440, 20, 120),
    "commissariat_police": (400, 1, 5), "caf": (400, 30, 120), "ti": (300, 20, 120),
    "sous_pref": (230, 30, 120), "prudhommes": (210, 40, 120), "cij": (200, 10, 60),
    "centre_impots_fonciers": (200, 40, 120), "tgi": (160, 40, 120), "mjd": (140, 10, 60),
    "prefecture": (101, 60, 120), "ddets": (101, 60, 120), "maison_handicapees": (101, 60, 120),
    "cdad": (100, 60, 120), "adil": (80, 60, 120), "msa": (35, 60, 120), "carsat": (16, 60, 120),
    "urssaf": (22, 60, 120), "commission_conciliation": (0, 0, 0),  # none: the national fallback
}
BODY_NAMES: dict[str, str] = {
    "ccas": "Centre communal d'action sociale", "gendarmerie": "Brigade de gendarmerie",
    "msap": "France services", "point_justice": "Point-justice", "tresorerie": "Trésorerie",
    "cpam": "Caisse primaire d'assurance maladie (CPAM)", "epci": "Communauté de communes",
    "sip": "Service des impôts des particuliers (SIP)", "france_travail": "France Travail",
    "sie": "Service des impôts des entreprises (SIE)", "mission_locale": "Mission locale",
    "commissariat_police": "Commissariat de police", "caf": "Caisse d'allocations familiales (Caf)",
    "ti": "Tribunal de proximité", "sous_pref": "Sous-préfecture", "prudhommes": "Conseil de prud'hommes",
    "cij": "Point information jeunesse", "centre_impots_fonciers": "Centre des impôts fonciers",
    "tgi": "Tribunal judiciaire", "mjd": "Maison de justice et du droit", "prefecture": "Préfecture",
    "ddets": "Direction départementale de l'emploi, du travail et des solidarités (DDETS)",
    "maison_handicapees": "Maison départementale des personnes handicapées", "cdad": "Conseil départemental "
    "de l'accès au droit", "adil": "Agence départementale d'information sur le logement (Adil)",
    "msa": "Mutualité sociale agricole (MSA)", "carsat": "Carsat", "urssaf": "Urssaf", "mairie": "Mairie",
    "paris_mairie_arrondissement": "Mairie d'arrondissement",
}
MISSIONS = ["Accueil du public et information sur les démarches administratives.",
            "Instruction des dossiers et réponse aux questions des usagers, sur place ou par téléphone.",
            "Accompagnement des personnes dans leurs démarches en ligne, avec un ordinateur en libre accès.",
            "Permanences d'associations et de partenaires certains jours de la semaine, sur rendez-vous.",
            "Délivrance de formulaires, de justificatifs et d'attestations.",
            "Le service reçoit sans rendez-vous le matin et sur rendez-vous l'après-midi.",
            "Les demandes peuvent aussi être faites par courrier à l'adresse postale indiquée.",
            "Accessibilité : ascenseur, place de stationnement réservée et boucle magnétique à l'accueil."]

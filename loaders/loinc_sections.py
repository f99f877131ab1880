"""LOINC codes of drug-label sections and the openFDA drug/label field names derived from them.

Facts from openFDA's SPL section table (FDA/openfda ``openfda/spl/data/spl-loinc.csv``, CC0),
used to give openFDA JSON sections their LOINC codes and to check LOINC section tables.
"""

from __future__ import annotations

import re

# LOINC code -> section name, as openFDA names them.
SECTION_NAMES: dict[str, str] = {
    '34086-9': 'Abuse',
    '60555-0': 'Accessories',
    '34084-4': 'Adverse Reactions',
    '69761-5': 'Alarms',
    '34091-9': 'Animal Pharmacology & or Toxicology',
    '60556-8': 'Assembly or Installation Instructions',
    '34066-1': 'Boxed Warning',
    '60557-6': 'Calibration Instructions',
    '34083-6': 'Carcinogenesis & Mutagenesis & Impairment of Fertility',
    '60684-8': 'Cellular Therapy',
    '34090-1': 'Clinical Pharmacology',
    '60558-4': 'Cleaning, Disinfecting, and Sterilization Instructions',
    '34092-7': 'Clinical Studies',
    '69760-7': 'Compatible Accessories',
    '60559-2': 'Components',
    '34070-3': 'Contraindications',
    '34085-1': 'Controlled Substance',
    '34087-7': 'Dependence',
    '34089-3': 'Description',
    '69758-1': 'Diagram of Device',
    '69763-1': 'Disposal and Waste Handling',
    '34068-7': 'Dosage & Administration',
    '43678-2': 'Dosage Forms & Strengths',
    '34074-5': 'Drug & or Laboratory Test Interactions',
    '42227-9': 'Drug Abuse and Dependence',
    '34073-7': 'Drug Interactions',
    '50742-6': 'Environmental Warning',
    '50743-4': 'Food Safety Warning',
    '34072-9': 'General Precautions',
    '34082-8': 'Geriatric Use',
    '50740-0': 'Guaranteed Analysis of Feed',
    '71744-7': 'Health Care Provider Letter',
    '69719-3': 'Health Claim',
    '34069-5': 'How Supplied',
    '51727-6': 'Inactive Ingredient',
    '34067-9': 'Indications & Usage',
    '50744-2': 'Information for Owners/Caregivers',
    '34076-0': 'Information for Patients',
    '59845-8': 'Instructions for Use',
    '60560-0': 'Intended Use of the Device',
    '34079-4': 'Labor & Delivery',
    '34075-2': 'Laboratory Tests',
    '43679-0': 'Mechanism of Action',
    '49489-8': 'Microbiology',
    '43680-8': 'Nonclinical Toxicology',
    '34078-6': 'Nonteratogenic Effects',
    '34080-2': 'Nursing Mothers',
    '60561-8': 'Other Safety Information',
    '34088-5': 'Overdosage',
    '55106-9': 'Active Ingredient',
    '50569-3': 'Ask Doctor',
    '50568-5': 'Ask Doctor/Pharmacist',
    '50570-1': 'Do Not Use',
    '50565-1': 'Keep Out of Reach of Children',
    '53414-9': 'Pregnancy or Breast Feeding',
    '55105-1': 'Purpose',
    '53413-1': 'Questions',
    '50566-9': 'Stop Use',
    '50567-7': 'When Using',
    '51945-4': 'Package Label: Principal Display Panel',
    '68498-5': 'Patient Medication Information',
    '34081-0': 'Pediatric Use',
    '43681-6': 'Pharmacodynamics',
    '66106-6': 'Pharmacogenomics',
    '43682-4': 'Pharmacokinetics',
    '42232-9': 'Precautions',
    '42228-7': 'Pregnancy',
    '43683-2': 'Recent Major Changes',
    '34093-5': 'References',
    '53412-3': 'Residue Warning',
    '69759-9': 'Risks',
    '60562-6': 'Route, Method and Frequency of Administration',
    '50741-8': 'Safe Handling Warning',
    '48779-3': 'SPL Indexing Data Elements',
    '48780-1': 'SPL Product Data Elements',
    '42231-1': 'SPL Medguide',
    '42230-3': 'SPL Patient Package Insert',
    '42229-5': 'SPL Unclassified',
    '69718-5': 'Statement of Identity',
    '44425-7': 'Storage and Handling',
    '60563-4': 'Summary of Safety and Effectiveness',
    '34077-8': 'Teratogenic Effects',
    '69762-3': 'Troubleshooting',
    '43684-0': 'Use in Specific Populations',
    '54433-8': 'User Safety Warnings',
    '50745-9': 'Veterinary Indications',
    '43685-7': 'Warnings and Precautions',
    '34071-1': 'Warnings',
}


# Where openFDA's own section table (``openfda/spl/data/sections.csv``, what its pipeline
# names JSON fields from) names a section differently from the LOINC display name above.
OPENFDA_SECTION_NAMES: dict[str, str] = {
    '43685-7': 'Warnings and cautions',
    '60558-4': 'Cleaning',
    '60562-6': 'Route',
}


def field_name(section_name: str) -> str:
    """openFDA's JSON key for a section name, by the rule of its pipeline (``spl_to_json.js``):
    first ":" dropped, " & " -> " and ", first "/" -> " or ", spaces -> "_", lower case,
    "spl_unclassified" -> "spl_unclassified_section". "Ask Doctor/Pharmacist" -> "ask_doctor_or_pharmacist"."""
    name = section_name.replace(":", "", 1).replace(" & ", " and ").replace("/", " or ", 1)
    return name.replace(" ", "_").lower().replace("spl_unclassified", "spl_unclassified_section")


# openFDA drug/label JSON key -> LOINC code: every section field of openFDA's drug label
# schema (``schemas/druglabel_schema.json``, 87 section fields, each with a ``_table`` twin).
CODE_BY_FIELD: dict[str, str] = {field_name(OPENFDA_SECTION_NAMES.get(code, name)): code
                                 for code, name in SECTION_NAMES.items()}
# Keys of openFDA's first (2014) JSON rendering, no longer in its schema; still found in files
# made then. Read with their code, and named in a warning.
OLD_CODE_BY_FIELD: dict[str, str] = {"warnings_and_precautions": "43685-7", "spl_unclassified": "42229-5",
                                     "ask_doctor_pharmacist": "50568-5"}
# Fields of a label that are not sections.
METADATA_FIELDS = frozenset({"set_id", "id", "version", "effective_time", "openfda"})

"""Generate ``data/sample-no/``, the illustrative Norwegian national sample bundle (issue 3A).

Run ``.venv/bin/python scripts/make_sample_no.py [FOLDER]`` (default: ``src/beredt/data/sample-no``;
the repository's ``data`` is a symlink to ``src/beredt/data``). The output is deterministic:
every random draw comes from a NumPy ``Generator`` seeded with :data:`SEED` and the ATC code or
name it concerns, so regenerating gives byte-identical files and editing one substance does not
reshuffle the others. The tables are written by :func:`beredt.ingest.bundle.write_bundle`
(canonical CSV) plus ``SOURCES.md``.

What is real and what is illustrative
-------------------------------------
* **Facts** (cited): ATC codes, substance names and WHO DDDs (a cited excerpt of the WHOCC
  *ATC/DDD Index 2025*, typed from knowledge of the index; where WHO sets no DDD the row says
  ``ddd_source = assumed`` and the assumption); membership of the WHO Model List of Essential
  Medicines (23rd list, 2023); national consumption in DDD per 1,000 inhabitants per day for the
  outpatient groups (FHI *Legemiddelforbruket i Norge* and the Norwegian Prescription Database,
  NORM for antibacterials; rounded); the national shortage-notice rate (Legemiddelverket: 1,579
  notices in 2022); the industry figures of the source texts (12 producing companies, just under
  2,700 employees, about NOK 15 billion exports, the doubling ambition for 2025, mainland goods
  exports at 58 % of goods imports); the wholesalers' preparedness duty (grossistforskriften § 5);
  the concentration of API manufacture in India and China (Pro Generika/MundiCare 2020).
* **Illustrative** (generated): every company, MA holder, site, product, price, market share,
  stock figure, shortage notice, production line, capacity, offer, agreement and the trade
  series. Company names are fictional. The bundle's ``illustrative = true`` says so.

How the tables are built
------------------------
1. ``substances.csv`` and ``demand.csv`` from :data:`TABLE` (one row per substance): demand
   = DDD/1000/day × 5,500 (population 5.5 million); yearly cosine seasonality for antibiotics
   (peak on day 20, amplitude 0.25), respiratory medicines and allergy medicines (peak in May)
   (:func:`seasonality`).
2. Companies and sites (:data:`FOREIGN_TABLE`, :data:`PRODUCER_TABLE`): three fictional
   full-line wholesalers, 54 fictional foreign MA holders and API makers, the 12 fictional
   domestic producers. API sites of each substance are drawn
   from a country mix by substance class (:data:`API_MIX`), e.g. beta-lactams 55 % China, 25 %
   India; generics 45 % India, 25 % China. Site outage hazards and durations by stage, country
   and sterility (:func:`_site_hazard`); export-restriction hazards by country (:data:`COUNTRIES`).
3. ``products.csv``: 1–6 packs per substance by market type (generic, branded, hospital tender,
   biological), shares from a Dirichlet draw covering 90–100 % of the substance's demand
   (the rest: packs outside the sample), pack contents from the dosage form
   (:func:`_pack_contents`), price per DDD by class (:func:`_price_per_ddd`).
4. ``stock.csv``: counts on :data:`COUNT_DATE` plus a few wholesaler movements before the as-of
   date. Wholesale: listed products (vital and essential substances) hold two months of
   ordinary turnover (60–67 days, grossistforskriften § 5), others 10–35 days, split across the
   wholesalers by market share; national preparedness stock of 90–180 days for most vital
   substances; hospital pharmacies 14–42 days of injectables; community pharmacies 7–21 days of
   the rest; domestic producers 20–45 days of their own packs.
5. ``shortages.csv``: per pack a Poisson process at the national rate per marketed pack
   (1,500 notices a year over ~10,000 packs), weighted by the outage hazards of the pack's sites;
   cause mix after Legemiddelverket's reported causes; log-normal durations (median 21 days);
   statuses on the as-of date; plus four notices modelled on reported events.
6. ``lines.csv``, ``capabilities.csv``, ``offers.csv``, ``agreements.csv``: the 12 producers'
   profiles (:data:`PRODUCERS`), modelled on Norway's landscape (analgesic tablets, IV fluids and
   parenteral nutrition, contrast media with their own API plant, an API plant, nasal sprays and
   liquids, hospital-pharmacy production, sterile ampoules, fish vaccines, soft capsules,
   effervescent OTC products, biologics fill-finish); offers from the qualified and qualifiable
   capabilities (:data:`CAPABILITY_TABLE`); six agreements (:data:`AGREEMENTS`), one expired.
7. ``trade.csv`` and ``industry.csv``: an illustrative trade series by HS code 2015–2025 whose
   2020 health-industry exports are the source texts' NOK 15 billion, growing well short of the
   doubling target; mainland goods (code ``00``) for 2020 with exports at 58 % of imports.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import textwrap
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from beredt.domain.bundle import Bundle, BundleMeta, Row, Source
from beredt.ingest.bundle import write_bundle

SEED = 20261101
AS_OF = dt.date(2026, 11, 1)
COUNT_DATE = dt.date(2026, 10, 26)
HISTORY_START = dt.date(2022, 11, 1)
POPULATION = 5_500_000
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "src" / "beredt" / "data" / "sample-no"

#: Legemiddelverket: 1,579 shortage notices in 2022 (about 1,400-1,600 a year in 2022-2023).
NATIONAL_NOTICES_PER_YEAR = 1500.0
#: Assumption: about 10,000 marketed packs (varenumre) in the national catalogue.
NATIONAL_MARKETED_PACKS = 10_000.0
NOTICES_PER_PACK_YEAR = NATIONAL_NOTICES_PER_YEAR / NATIONAL_MARKETED_PACKS
#: Wholesalers' preparedness duty: two months of ordinary turnover (grossistforskriften § 5).
WHOLESALE_DUTY_DAYS = 60.0
WHOLESALE_DUTY_BAND = (1.0, 1.12)  # listed products hold 60-67 days
PREPAREDNESS_DAYS = (90.0, 180.0)  # national preparedness stock: 3-6 months

ROUTE_OF_FORM = {
    "tab": "O",
    "cap": "O",
    "liq": "O",
    "pwd": "O",
    "sl": "SL",
    "supp": "R",
    "inj": "P",
    "inf": "P",
    "pen": "P",
    "inh": "Inhal",
    "gas": "Inhal",
    "nas": "N",
    "td": "TD",
}
FORM_NAME = {
    "tab": "tablet",
    "cap": "capsule",
    "liq": "oral solution",
    "pwd": "oral powder",
    "sl": "sublingual tablet",
    "supp": "suppository",
    "inj": "injection",
    "inf": "infusion",
    "pen": "injection pen",
    "inh": "inhalation",
    "gas": "inhalation vapour",
    "nas": "nasal spray",
    "td": "transdermal patch",
}
FORM_ABBREV = {
    "tab": "tab",
    "cap": "caps",
    "liq": "mikst",
    "pwd": "pulv",
    "sl": "subling tab",
    "supp": "supp",
    "inj": "inj",
    "inf": "inf",
    "pen": "inj penn",
    "inh": "inh",
    "gas": "inh damp",
    "nas": "nesespray",
    "td": "depotplaster",
}
HOSPITAL_FORMS = frozenset({"inj", "inf", "gas"})


# --- the substance excerpt (cited: WHOCC ATC/DDD Index 2025, WHO EML 2023) ---------------------
# One row per substance, fields separated by "|":
#   atc | name | ddd | unit | route | note | crit | eml | dpt | basis | market | forms
# atc, name, ddd, unit, route: WHO ATC code, INN, defined daily dose, unit and WHO route code.
# note: empty where the DDD is WHO's, else the assumption behind it ("@KEY" names a shared note
#   in ASSUMED_NOTES, "@KEY: extra" appends to it).
# crit: V(ital) / E(ssential) / O(ther).   eml: y when named on the WHO EML 2023.
# dpt: national consumption in DDD per 1,000 inhabitants per day; basis: F (FHI / NorPD),
#   N (NORM 2022), H (hospital-use assumption), A (other assumption).
# market: G multi-source generic, B branded, H hospital tender, X biological.
# forms: dosage forms of the packs, main form first (keys of ROUTE_OF_FORM).
ASSUMED_NOTES: dict[str, str] = {
    "IVF": "WHO assigns no DDDs to infusion solutions (B05); assumed 1,000 ml a day",
    "PN": "WHO assigns no DDDs to parenteral nutrition (B05BA); assumed one 1,500 ml three-chamber bag a day",
    "N01": "WHO assigns no DDDs to anaesthetics (N01); assumed the amount used in one 2-hour general anaesthesia",
    "N01B": "WHO assigns no DDDs to local anaesthetics (N01B); assumed the amount for one procedure",
    "M03": "WHO assigns no DDDs to neuromuscular blockers used in anaesthesia (M03A); assumed the amount for one anaesthesia",
    "L01": "WHO assigns no DDDs to antineoplastic agents (L01); assumed the mean daily dose over a treatment cycle (1 DDD = one patient-day on treatment)",
    "V03": "WHO assigns no DDDs to antidotes (V03AB); assumed the dose for one treated patient",
    "V08": "WHO assigns no DDDs to contrast media (V08); assumed the amount for one examination",
    "COMB": "WHO gives the DDD of this combination in unit doses; assumed as written",
}

TABLE = """
A02BC01|omeprazole|20|mg|O||O|y|12|F|G|cap
A02BC02|pantoprazole|40|mg|O||O|n|25|F|G|tab
A02BC03|lansoprazole|30|mg|O||O|n|2|F|G|cap
A02BC05|esomeprazole|30|mg|O||O|n|22|F|G|tab,cap
A02BX02|sucralfate|4|g|O||O|n|0.5|A|G|tab
A03BA01|atropine|1.5|mg|P||V|y|0.05|H|H|inj
A03BB01|butylscopolamine|60|mg|P||O|n|0.2|A|G|inj
A03FA01|metoclopramide|30|mg|O||E|y|2|F|G|tab,inj
A04AA01|ondansetron|16|mg|O||E|y|0.6|F|G|tab,inj
A06AB02|bisacodyl|10|mg|O||O|n|3|F|G|tab,supp
A06AC01|ispaghula (psyllia semen)|7|g|O||O|n|2|A|G|pwd
A06AD11|lactulose|6.7|g|O||O|y|6|F|G|liq
A06AD15|macrogol|10|g|O||O|n|8|F|G|pwd
A07AA02|nystatin|1.5|MU|O||O|y|0.3|A|G|liq
A07BA01|medicinal charcoal|5|g|O||V|y|0.02|A|G|pwd
A07DA03|loperamide|10|mg|O||O|y|1.5|F|G|cap
A07EA06|budesonide (intestinal)|9|mg|O||E|n|0.5|A|B|cap
A07EC01|sulfasalazine|2|g|O||E|y|2|F|G|tab
A07EC02|mesalazine|1.5|g|O||E|n|4|F|G|tab
A10AB01|insulin (human), fast-acting|40|U|P||V|y|2|F|B|pen
A10AB04|insulin lispro|40|U|P||V|n|1.5|F|B|pen
A10AB05|insulin aspart|40|U|P||V|n|5|F|B|pen
A10AC01|insulin (human), intermediate-acting|40|U|P||V|y|2|F|B|pen
A10AD05|insulin aspart, biphasic|40|U|P||V|n|1|F|B|pen
A10AE04|insulin glargine|40|U|P||V|y|6|F|X|pen
A10AE05|insulin detemir|40|U|P||V|n|0.8|F|B|pen
A10AE06|insulin degludec|40|U|P||V|n|3|F|B|pen
A10BA02|metformin|2|g|O||E|y|26|F|G|tab
A10BB09|gliclazide|60|mg|O||E|y|1.5|F|G|tab
A10BB12|glimepiride|2|mg|O||O|n|2|F|G|tab
A10BG03|pioglitazone|30|mg|O||O|n|0.3|A|G|tab
A10BH01|sitagliptin|0.1|g|O||O|n|5|F|G|tab
A10BJ02|liraglutide|1.5|mg|P||O|n|2|F|B|pen
A10BJ06|semaglutide|0.11|mg|P||E|n|12|F|B|pen
A10BK01|dapagliflozin|10|mg|O||E|n|7|F|B|tab
A10BK03|empagliflozin|17.5|mg|O||E|y|9|F|B|tab
A11CC03|alfacalcidol|1|mcg|O||O|n|1|A|G|cap
A11CC05|colecalciferol|20|mcg|O||O|y|10|A|G|tab,cap
A12BA01|potassium chloride|3|g|O||E|y|2|F|G|tab
B01AA03|warfarin|7.5|mg|O||V|y|3|F|G|tab
B01AB01|heparin|10|TU|P||V|y|0.3|H|H|inj
B01AB04|dalteparin|2.5|TU|P||V|n|3|F|B|inj
B01AB05|enoxaparin|2|TU|P||V|y|2|F|X|inj
B01AB10|tinzaparin|3.5|TU|P||V|n|0.5|A|B|inj
B01AC04|clopidogrel|75|mg|O||E|y|8|F|G|tab
B01AC06|acetylsalicylic acid (antithrombotic)|1|tablet|O||E|y|45|F|G|tab
B01AC07|dipyridamole|0.4|g|O||O|n|0.5|A|G|cap
B01AC24|ticagrelor|0.18|g|O||E|n|2|F|G|tab
B01AE07|dabigatran etexilate|0.3|g|O||E|n|3|F|B|cap
B01AF01|rivaroxaban|20|mg|O||E|n|8|F|G|tab
B01AF02|apixaban|10|mg|O||E|n|15|F|B|tab
B01AF03|edoxaban|60|mg|O||E|n|2|F|B|tab
B02AA02|tranexamic acid|2|g|O||V|y|0.8|F|G|tab,inj
B03AA07|ferrous sulfate|0.2|g|O||E|y|4|F|G|tab
B03BB01|folic acid|0.4|mg|O||E|y|4|A|G|tab
B03XA01|erythropoietin|1|TU|P||E|y|0.2|H|X|inj
B03XA02|darbepoetin alfa|4.5|mcg|P||E|n|0.3|H|B|inj
B05AA01|albumin|20|g|P|WHO assigns no DDDs to blood substitutes (B05A); assumed 20 g (100 ml of 20 % albumin) a day|V|n|0.02|H|H|inf
B05BA02|fat emulsions|250|ml|P|WHO assigns no DDDs to parenteral nutrition (B05BA); assumed 250 ml of a 20 % lipid emulsion a day|V|n|0.05|H|H|inf
B05BA03|carbohydrates (glucose infusion)|1000|ml|P|@IVF|V|y|0.9|H|H|inf
B05BA10|combinations (parenteral nutrition)|1500|ml|P|@PN|V|n|0.1|H|H|inf
B05BB01|electrolytes (sodium chloride 9 mg/ml, Ringer's acetate)|1000|ml|P|@IVF|V|y|2|H|H|inf
B05BB02|electrolytes with carbohydrates|1000|ml|P|@IVF|V|y|0.4|H|H|inf
B05XA01|potassium chloride (concentrate for infusion)|40|mmol|P|WHO assigns no DDDs to infusion additives (B05X); assumed 40 mmol a day|V|y|0.1|H|H|inj
B05XA02|sodium hydrogen carbonate|100|mmol|P|WHO assigns no DDDs to infusion additives (B05X); assumed 100 mmol a day|V|y|0.03|H|H|inf
B05XA05|magnesium sulfate|4|g|P|WHO assigns no DDDs to infusion additives (B05X); assumed 4 g (one loading dose)|V|y|0.02|H|H|inj
C01AA05|digoxin|0.25|mg|O||E|y|1|F|G|tab,inj
C01BC04|flecainide|0.2|g|O||E|n|0.8|F|G|tab
C01BD01|amiodarone|0.2|g|O||V|y|1|F|G|tab,inj
C01CA03|norepinephrine|6|mg|P||V|n|0.03|H|H|inj
C01CA04|dopamine|0.5|g|P||V|y|0.005|H|H|inj
C01CA07|dobutamine|0.5|g|P||V|n|0.005|H|H|inj
C01CA24|epinephrine|0.5|mg|P||V|y|0.1|H|G|inj
C01DA02|glyceryl trinitrate|2.5|mg|SL||E|y|2|F|G|sl
C01DA14|isosorbide mononitrate|40|mg|O||E|n|3|F|G|tab
C02AC02|guanfacine|3|mg|O||O|n|0.5|F|B|tab
C02AC05|moxonidine|0.3|mg|O||O|n|1|A|G|tab
C02CA04|doxazosin|4|mg|O||O|n|4|F|G|tab
C03AA03|hydrochlorothiazide|25|mg|O||E|y|3|F|G|tab
C03BA11|indapamide|2.5|mg|O||O|n|1|A|G|tab
C03CA01|furosemide|40|mg|O||V|y|12|F|G|tab,inj
C03CA02|bumetanide|1|mg|O||E|n|1.5|F|G|tab
C03CA04|torasemide|15|mg|O||O|n|0.5|A|G|tab
C03DA01|spironolactone|75|mg|O||E|y|4|F|G|tab
C03DA04|eplerenone|50|mg|O||O|n|0.8|A|G|tab
C07AA05|propranolol|0.16|g|O||E|y|2|F|G|tab
C07AA07|sotalol|0.16|g|O||O|n|0.5|A|G|tab
C07AB02|metoprolol|0.15|g|O||E|n|25|F|G|tab
C07AB03|atenolol|75|mg|O||O|n|2|F|G|tab
C07AB07|bisoprolol|10|mg|O||E|y|5|F|G|tab
C07AG02|carvedilol|37.5|mg|O||E|n|2|F|G|tab
C08CA01|amlodipine|5|mg|O||E|y|50|F|G|tab
C08CA02|felodipine|5|mg|O||O|n|6|F|G|tab
C08CA05|nifedipine|30|mg|O||E|y|3|F|G|tab
C08CA13|lercanidipine|10|mg|O||O|n|5|F|G|tab
C08DA01|verapamil|0.24|g|O||E|y|1|F|G|tab
C08DB01|diltiazem|0.24|g|O||O|n|2|F|G|cap
C09AA02|enalapril|10|mg|O||E|y|6|F|G|tab
C09AA03|lisinopril|10|mg|O||O|n|5|F|G|tab
C09AA05|ramipril|2.5|mg|O||E|n|12|F|G|cap,tab
C09CA01|losartan|50|mg|O||E|y|32|F|G|tab
C09CA03|valsartan|80|mg|O||O|n|10|F|G|tab
C09CA04|irbesartan|150|mg|O||O|n|5|F|G|tab
C09CA06|candesartan|8|mg|O||E|n|22|F|G|tab
C09CA07|telmisartan|40|mg|O||O|n|4|F|G|tab
C10AA01|simvastatin|30|mg|O||E|y|35|F|G|tab
C10AA03|pravastatin|30|mg|O||O|n|3|F|G|tab
C10AA05|atorvastatin|20|mg|O||E|n|70|F|G|tab
C10AA07|rosuvastatin|10|mg|O||E|n|12|F|G|tab
C10AX09|ezetimibe|10|mg|O||O|n|8|F|G|tab
G03CA03|estradiol|2|mg|O||O|n|12|F|G|tab
G04BD08|solifenacin|5|mg|O||O|n|4|F|G|tab
G04CA02|tamsulosin|0.4|mg|O||O|n|10|F|G|cap
G04CB01|finasteride|5|mg|O||O|n|7|F|G|tab
H01BB02|oxytocin|15|U|P||V|y|0.1|H|H|inj
H02AB02|dexamethasone|1.5|mg|O||V|y|1.5|F|G|tab,inj
H02AB04|methylprednisolone|7.5|mg|O||E|n|0.8|F|G|inj,tab
H02AB06|prednisolone|10|mg|O||E|y|10|F|G|tab
H02AB07|prednisone|10|mg|O||E|n|0.5|A|G|tab
H02AB09|hydrocortisone|30|mg|O||V|y|1.5|F|G|tab,inj
H03AA01|levothyroxine sodium|0.15|mg|O||E|y|45|F|G|tab
H03BA02|propylthiouracil|0.1|g|O||E|y|0.05|A|G|tab
H03BB02|thiamazole|10|mg|O||E|y|1.5|F|G|tab
H04AA01|glucagon|1|mg|P||V|y|0.05|A|B|inj
J01AA02|doxycycline|0.1|g|O||E|y|1.3|N|G|tab
J01AA04|lymecycline|0.6|g|O||O|n|1.2|N|G|cap
J01AA07|tetracycline|1|g|O||O|n|0.2|N|G|tab
J01CA01|ampicillin|6|g|P||V|y|0.15|N|H|inj
J01CA04|amoxicillin|1.5|g|O||V|y|0.9|N|G|cap,liq
J01CA08|pivmecillinam|0.6|g|O||E|n|1.3|N|G|tab
J01CE01|benzylpenicillin|3.6|g|P||V|y|0.4|N|H|inj
J01CE02|phenoxymethylpenicillin|2|g|O||V|y|2.6|N|G|tab,liq
J01CF01|dicloxacillin|2|g|O||E|n|0.4|N|G|cap
J01CR02|amoxicillin and beta-lactamase inhibitor|1.5|g|O||E|y|0.3|N|G|tab,inj
J01CR05|piperacillin and beta-lactamase inhibitor|14|g|P||V|y|0.25|N|H|inj
J01DB01|cefalexin|2|g|O||E|y|0.2|N|G|cap
J01DB03|cefalotin|4|g|P||E|n|0.1|N|H|inj
J01DB04|cefazolin|3|g|P||V|y|0.05|N|H|inj
J01DC02|cefuroxime|3|g|P||E|y|0.15|N|H|inj
J01DD02|ceftazidime|4|g|P||V|y|0.02|N|H|inj
J01DD04|ceftriaxone|2|g|P||V|y|0.25|N|H|inj
J01DH02|meropenem|3|g|P||V|y|0.06|N|H|inj
J01DH51|imipenem and cilastatin|2|g|P||V|n|0.01|N|H|inj
J01EA01|trimethoprim|0.4|g|O||E|y|0.4|N|G|tab
J01EE01|sulfamethoxazole and trimethoprim|1.92|g|O||E|y|0.4|N|G|tab,liq
J01FA01|erythromycin|2|g|O||E|n|0.2|N|G|tab
J01FA09|clarithromycin|0.5|g|O||E|y|0.3|N|G|tab
J01FA10|azithromycin|0.3|g|O||E|y|0.25|N|G|tab,liq
J01FF01|clindamycin|1.2|g|O||E|y|0.35|N|G|cap,inj
J01GB01|tobramycin|0.24|g|P||V|n|0.03|N|H|inj
J01GB03|gentamicin|0.24|g|P||V|y|0.12|N|H|inj
J01GB06|amikacin|1|g|P||V|y|0.01|N|H|inj
J01MA02|ciprofloxacin|1|g|O||E|y|0.45|N|G|tab,inf
J01MA12|levofloxacin|0.5|g|O||E|n|0.05|N|G|tab
J01MA14|moxifloxacin|0.4|g|O||O|n|0.03|N|G|tab
J01XA01|vancomycin|2|g|P||V|y|0.03|N|H|inj
J01XA02|teicoplanin|0.4|g|P||E|n|0.005|N|H|inj
J01XB01|colistin|9|MU|P||V|y|0.005|N|H|inj
J01XD01|metronidazole (parenteral)|1.5|g|P||V|y|0.07|N|H|inf
J01XE01|nitrofurantoin|0.2|g|O||E|y|0.3|N|G|tab
J01XX01|fosfomycin|3|g|O||E|n|0.03|N|G|pwd
J01XX05|methenamine|2|g|O||O|n|3.3|N|G|tab
J01XX08|linezolid|1.2|g|O||V|y|0.02|N|H|tab,inf
J02AA01|amphotericin B|35|mg|P||V|y|0.005|H|H|inj
J02AC01|fluconazole|0.2|g|O||E|y|0.3|F|G|cap,inf
J02AC03|voriconazole|0.4|g|O||V|y|0.02|H|G|tab,inj
J02AX04|caspofungin|50|mg|P||V|n|0.005|H|H|inj
J04AB02|rifampicin|0.6|g|O||V|y|0.05|A|G|cap
J04AC01|isoniazid|0.3|g|O||V|y|0.05|A|G|tab
J04AK01|pyrazinamide|1.5|g|O||V|y|0.01|A|G|tab
J04AK02|ethambutol|1.2|g|O||V|y|0.01|A|G|tab
J05AB01|aciclovir|4|g|O||E|y|0.4|F|G|tab,inf
J05AB11|valaciclovir|3|g|O||O|n|1.2|F|G|tab
J05AF07|tenofovir disoproxil|0.245|g|O||V|y|0.2|A|G|tab
J05AH02|oseltamivir|0.15|g|O||V|y|0.05|A|B|cap
J05AX12|dolutegravir|50|mg|O||V|y|0.4|A|B|tab
J06BA02|immunoglobulins, normal human, for intravascular adm.|35|g|P|WHO assigns no DDD to normal immunoglobulins; assumed 35 g (0.5 g/kg for 70 kg) per treatment day|V|y|0.015|H|X|inf
L01AA01|cyclophosphamide|50|mg|P|@L01|V|y|0.2|H|H|inj,tab
L01AA02|chlorambucil|5|mg|O|@L01|E|y|0.04|H|B|tab
L01AA03|melphalan|10|mg|O|@L01|E|y|0.04|H|B|tab,inj
L01AA06|ifosfamide|400|mg|P|@L01|V|y|0.02|H|H|inj
L01AA09|bendamustine|12|mg|P|@L01|E|y|0.05|H|H|inj
L01AX04|dacarbazine|50|mg|P|@L01|E|y|0.02|H|H|inj
L01BA04|pemetrexed|45|mg|P|@L01|E|n|0.07|H|H|inj
L01BB02|mercaptopurine|100|mg|O|@L01|V|y|0.09|H|B|tab
L01BC01|cytarabine|200|mg|P|@L01|V|y|0.03|H|H|inj
L01BC02|fluorouracil|350|mg|P|@L01|V|y|0.27|H|H|inj
L01BC05|gemcitabine|190|mg|P|@L01|E|y|0.09|H|H|inj
L01BC06|capecitabine|3|g|O|@L01|E|y|0.27|H|G|tab
L01BC07|azacitidine|34|mg|P|@L01|E|n|0.04|H|H|inj
L01CA02|vincristine|0.3|mg|P|@L01|V|y|0.07|H|H|inj
L01CA04|vinorelbine|6|mg|P|@L01|E|y|0.05|H|H|inj,cap
L01CB01|etoposide|25|mg|P|@L01|V|y|0.07|H|H|inj
L01CD01|paclitaxel|15|mg|P|@L01|V|y|0.22|H|H|inj
L01CD02|docetaxel|6|mg|P|@L01|E|y|0.11|H|H|inj
L01CE02|irinotecan|23|mg|P|@L01|E|y|0.07|H|H|inj
L01DB01|doxorubicin|5|mg|P|@L01|V|y|0.11|H|H|inj
L01DB03|epirubicin|8|mg|P|@L01|E|n|0.05|H|H|inj
L01EA01|imatinib|400|mg|O|@L01|V|y|0.07|H|G|tab
L01FA01|rituximab|30|mg|P|@L01|V|y|0.27|H|X|inf
L01FD01|trastuzumab|20|mg|P|@L01|V|y|0.27|H|X|inf
L01FF01|nivolumab|17|mg|P|@L01|E|y|0.18|H|B|inf
L01FF02|pembrolizumab|9.5|mg|P|@L01|E|n|0.45|H|B|inf
L01XA01|cisplatin|6|mg|P|@L01|V|y|0.15|H|H|inj
L01XA02|carboplatin|30|mg|P|@L01|V|y|0.27|H|H|inj
L01XA03|oxaliplatin|11|mg|P|@L01|V|y|0.18|H|H|inj
L01XX05|hydroxycarbamide|1|g|O|@L01|E|y|0.18|H|G|cap
L02BA01|tamoxifen|20|mg|O||E|y|2|F|G|tab
L02BB03|bicalutamide|50|mg|O||E|y|1|F|G|tab
L02BB04|enzalutamide|160|mg|O||E|n|0.3|A|B|cap
L02BG03|anastrozole|1|mg|O||E|y|1.5|F|G|tab
L02BG04|letrozole|2.5|mg|O||E|n|2|F|G|tab
L03AA02|filgrastim|0.35|mg|P||E|y|0.05|H|X|inj
L04AA06|mycophenolic acid|2|g|O||V|y|0.6|F|G|tab
L04AB01|etanercept|7|mg|P||E|n|1|F|X|inj
L04AB02|infliximab|3.75|mg|P||E|n|0.8|F|X|inf
L04AB04|adalimumab|2.9|mg|P||E|n|1.5|F|X|inj
L04AD01|ciclosporin|0.25|g|O||V|y|0.3|F|G|cap
L04AD02|tacrolimus|5|mg|O||V|y|0.6|F|G|cap
L04AX01|azathioprine|0.15|g|O||E|y|1|F|G|tab
L04AX03|methotrexate|2.5|mg|O||E|y|3|F|G|tab,inj
M01AB05|diclofenac|0.1|g|O||O|n|8|F|G|tab
M01AC06|meloxicam|15|mg|O||O|n|0.5|A|G|tab
M01AE01|ibuprofen|1.2|g|O||E|y|20|F|G|tab,liq
M01AE02|naproxen|0.5|g|O||O|n|8|F|G|tab
M01AH01|celecoxib|0.2|g|O||O|n|3|F|G|cap
M01AH05|etoricoxib|60|mg|O||O|n|4|F|G|tab
M03AB01|suxamethonium|100|mg|P|@M03|V|y|0.01|H|H|inj
M03AC09|rocuronium bromide|50|mg|P|@M03|V|n|0.05|H|H|inj
M03AC11|cisatracurium|12|mg|P|@M03|V|n|0.01|H|H|inj
M03BX01|baclofen|50|mg|O||O|n|1.5|F|G|tab
M04AA01|allopurinol|0.4|g|O||E|y|8|F|G|tab
M04AC01|colchicine|1|mg|O||O|n|1|A|G|tab
M05BA04|alendronic acid|10|mg|O||E|n|7|F|G|tab
N01AB06|isoflurane|20|ml|Inhal|@N01|V|y|0.01|H|H|gas
N01AB08|sevoflurane|30|ml|Inhal|@N01|V|n|0.1|H|H|gas
N01AH01|fentanyl (anaesthesia)|0.5|mg|P|@N01|V|n|0.1|H|H|inj
N01AH06|remifentanil|2|mg|P|@N01|V|n|0.05|H|H|inj
N01AX03|ketamine|0.2|g|P|@N01|V|y|0.03|H|H|inj
N01AX10|propofol|1|g|P|@N01|V|y|0.15|H|H|inj
N01BB01|bupivacaine|50|mg|P|@N01B|V|y|0.1|H|H|inj
N01BB02|lidocaine|0.2|g|P|@N01B|V|y|0.2|H|G|inj
N01BB09|ropivacaine|0.15|g|P|@N01B|E|n|0.05|H|H|inj
N02AA01|morphine|0.1|g|O||V|y|1|F|G|tab,inj
N02AA03|hydromorphone|20|mg|O||E|n|0.2|F|G|cap,inj
N02AA05|oxycodone|75|mg|O||E|n|3|F|G|tab,inj
N02AB03|fentanyl (transdermal)|1.2|mg|TD||E|y|0.7|F|G|td
N02AE01|buprenorphine (analgesic)|1.2|mg|TD||O|n|1|F|G|td
N02AJ06|codeine and paracetamol|4|tablet|O|@COMB: 4 tablets of 400 mg paracetamol + 30 mg codeine|E|n|10|F|G|tab
N02AX02|tramadol|0.3|g|O||O|n|3|F|G|cap,tab
N02AX06|tapentadol|0.4|g|O||O|n|0.3|A|B|tab
N02BA01|acetylsalicylic acid (analgesic)|3|g|O||O|y|2|A|G|tab
N02BE01|paracetamol|3|g|O||E|y|45|F|G|tab,liq,supp,inf
N02CC01|sumatriptan|50|mg|O||O|n|2|F|G|tab
N02CC04|rizatriptan|10|mg|O||O|n|2.5|F|G|tab
N03AA02|phenobarbital|0.1|g|O||V|y|0.1|A|G|tab,inj
N03AB02|phenytoin|0.3|g|O||V|y|0.2|F|G|cap,inj
N03AD01|ethosuximide|1.25|g|O||V|y|0.02|A|B|cap
N03AE01|clonazepam|8|mg|O||E|n|1.5|F|G|tab
N03AF01|carbamazepine|1|g|O||V|y|2|F|G|tab
N03AF02|oxcarbazepine|1|g|O||V|n|0.7|F|G|tab
N03AG01|valproic acid|1.5|g|O||V|y|2|F|G|tab,inj
N03AX09|lamotrigine|0.3|g|O||V|y|5|F|G|tab
N03AX11|topiramate|0.3|g|O||E|n|0.8|F|G|tab
N03AX12|gabapentin|1.8|g|O||O|n|3|F|G|cap
N03AX14|levetiracetam|1.5|g|O||V|y|2.5|F|G|tab,inj
N03AX16|pregabalin|0.3|g|O||O|n|6|F|G|cap
N03AX18|lacosamide|0.3|g|O||V|n|0.5|F|G|tab
N04AA02|biperiden|10|mg|O||O|y|0.1|A|G|tab
N04BA02|levodopa and decarboxylase inhibitor|0.6|g|O||E|y|3|F|G|tab
N04BC04|ropinirole|6|mg|O||O|n|1|F|G|tab
N04BC05|pramipexole|2.5|mg|O||O|n|2|F|G|tab
N05AA02|levomepromazine|0.3|g|O||O|n|1|F|G|tab
N05AB02|fluphenazine|1|mg|P||E|y|0.2|A|G|inj
N05AD01|haloperidol|8|mg|O||E|y|0.6|F|G|tab,inj
N05AF03|chlorprothixene|0.3|g|O||O|n|1.5|F|G|tab
N05AH02|clozapine|0.3|g|O||E|y|1|F|G|tab
N05AH03|olanzapine|10|mg|O||E|n|3|F|G|tab
N05AH04|quetiapine|0.4|g|O||O|n|3|F|G|tab
N05AN01|lithium|24|mmol|O||E|y|1.5|F|G|tab
N05AX08|risperidone|5|mg|O||E|y|1.5|F|G|tab
N05AX12|aripiprazole|15|mg|O||O|n|2|F|G|tab
N05BA01|diazepam|10|mg|O||E|y|6|F|G|tab,supp
N05BA04|oxazepam|50|mg|O||O|n|5|F|G|tab
N05BA06|lorazepam|2.5|mg|O||V|y|0.3|A|G|tab,inj
N05BA12|alprazolam|1|mg|O||O|n|1.5|F|G|tab
N05BB01|hydroxyzine|75|mg|O||O|n|2|F|G|tab
N05CD08|midazolam|15|mg|P||V|y|0.5|H|G|inj
N05CF01|zopiclone|7.5|mg|O||O|n|25|F|G|tab
N05CF02|zolpidem|10|mg|O||O|n|3|F|G|tab
N05CH01|melatonin|2|mg|O||O|n|10|F|G|tab
N06AA09|amitriptyline|75|mg|O||E|y|3|F|G|tab
N06AB03|fluoxetine|20|mg|O||E|y|2|F|G|cap
N06AB04|citalopram|20|mg|O||O|n|3|F|G|tab
N06AB05|paroxetine|20|mg|O||O|n|2|F|G|tab
N06AB06|sertraline|50|mg|O||E|n|12|F|G|tab
N06AB10|escitalopram|10|mg|O||E|n|14|F|G|tab
N06AX11|mirtazapine|30|mg|O||O|n|6|F|G|tab
N06AX12|bupropion|0.3|g|O||O|n|4|F|G|tab
N06AX16|venlafaxine|0.1|g|O||O|n|5|F|G|cap
N06AX21|duloxetine|60|mg|O||O|n|3|F|G|cap
N06AX26|vortioxetine|10|mg|O||O|n|2|F|B|tab
N06BA02|dexamfetamine|15|mg|O||E|n|1|F|G|tab
N06BA04|methylphenidate|30|mg|O||E|y|10|F|G|tab,cap
N06BA09|atomoxetine|80|mg|O||E|n|1|F|G|cap
N06BA12|lisdexamfetamine|30|mg|O||E|n|6|F|B|cap
N06DA02|donepezil|7.5|mg|O||O|n|3|F|G|tab
N06DA03|rivastigmine|9|mg|O||O|n|0.5|A|G|cap
N06DX01|memantine|20|mg|O||O|n|2|F|G|tab
N07BB04|naltrexone|50|mg|O||O|n|0.1|A|G|tab
N07BC01|buprenorphine (opioid dependence)|8|mg|SL||E|y|0.9|F|G|sl
N07BC02|methadone|25|mg|O||E|y|1|F|G|liq,tab
P01AB01|metronidazole (oral)|2|g|O||E|y|0.4|F|G|tab
P01BA02|hydroxychloroquine|0.516|g|O||E|n|1.5|F|G|tab
P02CA01|mebendazole|0.2|g|O||O|y|0.3|A|G|tab
R01AA07|xylometazoline|0.8|mg|N||O|n|20|F|G|nas
R01AD09|mometasone (nasal)|0.2|mg|N||O|n|8|F|G|nas
R03AC02|salbutamol|0.8|mg|Inhal||V|y|14|F|G|inh
R03AC03|terbutaline|2|mg|Inhal||E|n|2|F|B|inh
R03AC12|salmeterol|0.1|mg|Inhal||O|n|1|F|B|inh
R03AC13|formoterol|24|mcg|Inhal||E|n|3|F|G|inh
R03BA02|budesonide (inhaled)|0.8|mg|Inhal||E|y|5|F|G|inh
R03BA05|fluticasone|0.6|mg|Inhal||E|n|3|F|G|inh
R03BB01|ipratropium bromide|0.12|mg|Inhal||E|y|1|F|G|inh
R03BB04|tiotropium bromide|18|mcg|Inhal||E|n|6|F|B|inh
R03DA04|theophylline|0.4|g|O||O|n|0.2|A|G|tab
R03DC03|montelukast|10|mg|O||O|n|6|F|G|tab
R05CB01|acetylcysteine|0.5|g|O||O|n|2|A|G|tab
R06AD02|promethazine|25|mg|O||O|n|4|F|G|tab
R06AE07|cetirizine|10|mg|O||O|n|25|F|G|tab
R06AX13|loratadine|10|mg|O||O|y|6|F|G|tab
R06AX27|desloratadine|5|mg|O||O|n|8|F|G|tab
V03AB14|protamine|50|mg|P|@V03|V|y|0.005|H|H|inj
V03AB15|naloxone|0.4|mg|P|@V03|V|y|0.05|H|G|inj,nas
V03AB23|acetylcysteine (antidote)|20|g|P|@V03|V|y|0.005|H|H|inf
V03AB25|flumazenil|0.5|mg|P|@V03|V|n|0.002|H|H|inj
V03AB35|sugammadex|0.2|g|P|@V03|E|n|0.02|H|B|inj
V03AF03|calcium folinate|0.1|g|P|WHO assigns no DDDs to detoxifying agents for antineoplastic treatment (V03AF); assumed 100 mg a day|V|y|0.05|H|H|inj
V08AB02|iohexol|100|ml|P|@V08: 100 ml of 300 mg iodine/ml (one CT examination)|E|y|0.1|H|B|inj
V08AB09|iodixanol|100|ml|P|@V08: 100 ml of 320 mg iodine/ml (one CT examination)|E|n|0.05|H|B|inj
V08AB10|iomeprol|100|ml|P|@V08: 100 ml of 300 mg iodine/ml (one CT examination)|O|n|0.02|H|B|inj
V08CA02|gadoteric acid|7.5|mmol|P|@V08: 7.5 mmol (0.1 mmol/kg for 75 kg, one MRI examination)|E|n|0.06|H|B|inj
V08CA09|gadobutrol|7.5|mmol|P|@V08: 7.5 mmol (0.1 mmol/kg for 75 kg, one MRI examination)|E|n|0.08|H|B|inj
"""


# --- the substance excerpt ----------------------------------------------------------------------
@dataclass(frozen=True)
class SubstanceSpec:
    """One row of :data:`TABLE`."""

    atc: str
    name: str
    ddd: float
    unit: str
    route: str
    note: str | None
    criticality: str
    who_essential: bool
    ddd_per_1000_per_day: float
    basis: str
    market: str
    forms: tuple[str, ...]

    @property
    def assumed(self) -> bool:
        """Whether the DDD is an assumption rather than WHO's."""
        return self.note is not None

    @property
    def demand_ddd_per_day(self) -> float:
        """National demand for the sample's population."""
        return self.ddd_per_1000_per_day * POPULATION / 1000.0


CRITICALITY = {"V": "vital", "E": "essential", "O": "other"}
BASIS_TEXT = {
    "F": "FHI wholesale statistics / Norwegian Prescription Database (rounded)",
    "N": "NORM 2022, antibacterial sales in Norway (rounded)",
    "H": "assumption: hospital use",
    "A": "assumption",
}


def parse_table(text: str) -> list[SubstanceSpec]:
    """Parse the substance excerpt; raise ValueError naming the line of a malformed row."""
    specs: list[SubstanceSpec] = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        cells = [c.strip() for c in line.split("|")]
        if len(cells) != 12:
            raise ValueError(f"substance table line {number}: {len(cells)} fields, expected 12")
        atc, name, ddd, unit, route, note, crit, eml, dpt, basis, market, forms = cells
        if note.startswith("@"):
            key, _, extra = note[1:].partition(":")
            note = ASSUMED_NOTES[key.strip()] + (f": {extra.strip()}" if extra else "")
        for form in forms.split(","):
            if form not in ROUTE_OF_FORM:
                raise ValueError(f"substance table line {number}: unknown form {form!r}")
        specs.append(
            SubstanceSpec(
                atc=atc,
                name=name,
                ddd=float(ddd),
                unit=unit,
                route=route,
                note=note or None,
                criticality=CRITICALITY[crit],
                who_essential=eml == "y",
                ddd_per_1000_per_day=float(dpt),
                basis=basis,
                market=market,
                forms=tuple(forms.split(",")),
            )
        )
    return specs


def _title(name: str) -> str:
    """`name` with its first letter in upper case (the rest unchanged)."""
    return name[:1].upper() + name[1:]


def _rng(*keys: object) -> np.random.Generator:
    """A generator seeded by :data:`SEED` and stable keys (CRC-32 of their text)."""
    return np.random.default_rng([SEED, *(zlib.crc32(str(k).encode()) for k in keys)])


# --- countries, companies, sites ----------------------------------------------------------------
#: country: (name, export-restriction hazard per year, mean restriction days). Hazards are
#: assumptions anchored on events: India restricted exports of 26 APIs and formulations incl.
#: paracetamol in March 2020; China's 2020 and 2022 lockdowns halted API plants and ports;
#: EU states restricted (parallel) exports of medicines in spring 2020.
COUNTRIES: dict[str, tuple[str, float, float]] = {
    "AT": ("Austria", 0.02, 30),
    "BE": ("Belgium", 0.02, 30),
    "CH": ("Switzerland", 0.01, 30),
    "CN": ("China", 0.12, 75),
    "DE": ("Germany", 0.02, 30),
    "DK": ("Denmark", 0.02, 30),
    "ES": ("Spain", 0.02, 30),
    "FI": ("Finland", 0.01, 30),
    "FR": ("France", 0.03, 30),
    "GB": ("United Kingdom", 0.02, 45),
    "HU": ("Hungary", 0.03, 30),
    "IE": ("Ireland", 0.01, 30),
    "IN": ("India", 0.10, 60),
    "IS": ("Iceland", 0.01, 30),
    "IT": ("Italy", 0.02, 30),
    "JP": ("Japan", 0.01, 30),
    "KR": ("South Korea", 0.02, 30),
    "NL": ("Netherlands", 0.01, 30),
    "NO": ("Norway", 0.0, 90),
    "PL": ("Poland", 0.02, 30),
    "SE": ("Sweden", 0.01, 30),
    "SI": ("Slovenia", 0.02, 30),
    "US": ("United States", 0.04, 60),
}


@dataclass(frozen=True)
class CompanySpec:
    """A fictional company with its sites: (suffix, town, country, stage, sterile)."""

    company_id: str
    name: str
    country: str
    kind: str  # generic, originator, sterile, biosimilar, api, fluids, wholesaler, domestic
    brand: str
    sites: tuple[tuple[str, str, str, str, bool], ...] = ()


def _c(cid: str, name: str, country: str, kind: str, brand: str, *sites: str) -> CompanySpec:
    """Compact company declaration; a site is ``"suffix:Town:CC:stage[:sterile]"``."""
    parsed = []
    for s in sites:
        parts = s.split(":")
        parsed.append((parts[0], parts[1], parts[2], parts[3], len(parts) > 4))
    return CompanySpec(cid, name, country, kind, brand, tuple(parsed))


#: Foreign companies (fictional): id | name | country | kind | brand | sites, where a site is
#: ``suffix:Town:CC:stage[:sterile]``. Generic houses, originators, biosimilar makers, sterile
#: and hospital-product makers, contrast-media makers and API makers.
FOREIGN_TABLE = """
auravind | Auravind Pharma Ltd | IN | generic | Auravind | hyd-fdf:Hyderabad:IN:fdf, goa-fdf:Goa:IN:fdf
deccan | Deccan Generics Ltd | IN | generic | Deccan | ahm-fdf:Ahmedabad:IN:fdf
ganga | Ganga Lifesciences Ltd | IN | generic | Ganga | baddi-fdf:Baddi:IN:fdf
sunmed | Sunmed Laboratories Ltd | IN | generic | Sunmed | vad-fdf:Vadodara:IN:fdf
generika-nord | Generika Nord GmbH | DE | generic | Generika | ulm-fdf:Ulm:DE:fdf, pune-fdf:Pune:IN:fdf
rheinmed | Rheinmed Generics GmbH | DE | generic | Rheinmed | mainz-fdf:Mainz:DE:fdf
alpska | Alpska Farmacija d.d. | SI | generic | Alpska | lju-fdf:Ljubljana:SI:fdf
danubia | Danubia Pharma Zrt | HU | generic | Danubia | deb-fdf:Debrecen:HU:fdf, deb-api:Debrecen:HU:api
islandia | Islandia Generics ehf | IS | generic | Islandia | haf-fdf:Hafnarfjordur:IS:fdf, pune-fdf:Pune:IN:fdf
baltica | Baltica Medica AB | SE | generic | Baltica | upp-fdf:Uppsala:SE:fdf
oresund | Oresund Pharma A/S | DK | generic | Oresund | koge-fdf:Koge:DK:fdf
iberfarma | Iberfarma S.A. | ES | generic | Iberfarma | bcn-fdf:Barcelona:ES:fdf
polfarma | Polfarma S.A. | PL | generic | Polfarma | lodz-fdf:Lodz:PL:fdf
kaleva | Kaleva Pharma Oy | FI | generic | Kaleva | espoo-fdf:Espoo:FI:fdf
tirol | Tirol Antibiotika GmbH | AT | generic | Tirol | ibk-fdf:Innsbruck:AT:fdf, ibk-api:Innsbruck:AT:api
lombardia | Lombardia Farmaceutici SpA | IT | generic | Lombardia | mil-fdf:Milano:IT:fdf, mil-ster:Milano:IT:fdf:sterile
meridian | Meridian Biopharma Inc | US | originator | Meridian | ral-fdf:Raleigh:US:fdf, cork-api:Cork:IE:api
rhone | Rhone Therapeutics SA | FR | originator | Rhone | lyon-fdf:Lyon:FR:fdf, lyon-api:Lyon:FR:api
basel-ls | Basel Life Sciences AG | CH | originator | Baselis | bsl-fdf:Basel:CH:fdf, visp-api:Visp:CH:api
thames | Thames Pharmaceuticals plc | GB | originator | Thames | mac-fdf:Macclesfield:GB:fdf, mac-api:Macclesfield:GB:api
kattegat | Kattegat Insulin A/S | DK | originator | Kattegat | hil-fdf:Hillerod:DK:fdf:sterile, hil-api:Hillerod:DK:api, cha-fdf:Chartres:FR:fdf:sterile
rheinmain | Rhein-Main Pharma AG | DE | originator | Rheinmain | ffm-fdf:Frankfurt:DE:fdf:sterile, ffm-api:Frankfurt:DE:api
kansai | Kansai Pharmaceutical Co | JP | originator | Kansai | osa-fdf:Osaka:JP:fdf, osa-api:Osaka:JP:api
flanders | Flanders Biologics NV | BE | originator | Flanders | ghe-fdf:Ghent:BE:fdf:sterile, ghe-api:Ghent:BE:api
shannon | Shannon Pharma Ltd | IE | originator | Shannon | lim-fdf:Limerick:IE:fdf, lim-api:Limerick:IE:api
bangalore-bio | Bangalore Biologics Ltd | IN | biosimilar | Bangabio | blr-fdf:Bengaluru:IN:fdf:sterile, blr-api:Bengaluru:IN:api
songdo-bio | Songdo Biologics Co | KR | biosimilar | Songdo | inc-fdf:Incheon:KR:fdf:sterile, inc-api:Incheon:KR:api
sterimed | Sterimed Injectables GmbH | DE | sterile | Sterimed | bhg-fdf:Bad Homburg:DE:fdf:sterile, graz-fdf:Graz:AT:fdf:sterile
adriatic | Adriatic Sterile Products SpA | IT | sterile | Adriatic | bari-fdf:Bari:IT:fdf:sterile
cascade | Cascade Sterile Inc | US | sterile | Cascade | pdx-fdf:Portland:US:fdf:sterile
himalaya | Himalaya Parenterals Ltd | IN | sterile | Himalaya | che-fdf:Chennai:IN:fdf:sterile
scanfluid | Scandinavian Fluids AB | SE | fluids | Scanfluid | hbg-fdf:Helsingborg:SE:fdf:sterile
atlantic | Atlantic Anaesthetics Ltd | GB | sterile | Atlantic | liv-fdf:Liverpool:GB:fdf, liv-api:Liverpool:GB:api
imagix | Imagix SpA | IT | originator | Imagix | tor-fdf:Torino:IT:fdf:sterile, tor-api:Torino:IT:api
guerande | Guerande Imaging SA | FR | originator | Guerande | aul-fdf:Aulnay:FR:fdf:sterile, aul-api:Aulnay:FR:api
telangana-bulk | Telangana Bulk Drugs Ltd | IN | api | - | hyd-api:Hyderabad:IN:api
gujarat-synth | Gujarat Synthetics Ltd | IN | api | - | ank-api:Ankleshwar:IN:api
vizag-api | Vizag Actives Ltd | IN | api | - | viz-api:Visakhapatnam:IN:api
punjab-act | Punjab Actives Ltd | IN | api | - | moh-api:Mohali:IN:api
hebei-jh | Hebei Jinghe Pharmaceutical Co | CN | api | - | sjz-api:Shijiazhuang:CN:api
taizhou-api | Zhejiang Taizhou API Co | CN | api | - | tz-api:Taizhou:CN:api
shandong-fc | Shandong Linyi Fine Chemicals Co | CN | api | - | ly-api:Linyi:CN:api
jiangsu-bp | Jiangsu Bulk Pharma Co | CN | api | - | lyg-api:Lianyungang:CN:api
sichuan-hep | Sichuan Heparin Biochem Co | CN | api | - | cd-api:Chengdu:CN:api
mongolia-ferm | Inner Mongolia Fermentation Co | CN | api | - | hoh-api:Hohhot:CN:api
chimica-lomb | Chimica Lombarda SpA | IT | api | - | como-api:Como:IT:api
fermenti-it | Fermenti Italia SpA | IT | api | - | lat-api:Latina:IT:api
quimica-lev | Quimica Levante SA | ES | api | - | vlc-api:Valencia:ES:api
marburg-wirk | Marburg Wirkstoffe GmbH | DE | api | - | mar-api:Marburg:DE:api
texas-fc | Texas Fine Chemicals Inc | US | api | - | hou-api:Houston:US:api
lothian-alk | Lothian Alkaloids Ltd | GB | api | - | edi-api:Edinburgh:GB:api
rhone-actifs | Rhone Actifs SAS | FR | api | - | rou-api:Roussillon:FR:api
delft-vit | Delft Vitamins BV | NL | api | - | dlf-api:Delft:NL:api
plasma-us | Appalachian Plasma Fractionation Inc | US | api | - | knx-api:Knoxville:US:api
"""


def _parse_companies(text: str) -> list[CompanySpec]:
    """Companies from a ``|``-separated table (see :data:`FOREIGN_TABLE`)."""
    out = []
    for line in text.strip().splitlines():
        cid, name, country, kind, brand, sites = (c.strip() for c in line.split("|"))
        out.append(
            _c(
                cid,
                name,
                country,
                kind,
                "" if brand == "-" else brand,
                *(x.strip() for x in sites.split(",")),
            )
        )
    return out


FOREIGN: list[CompanySpec] = _parse_companies(FOREIGN_TABLE)

#: Full-line wholesalers (fictional stand-ins for Norway's three) and their market shares.
WHOLESALERS: list[tuple[CompanySpec, float]] = [
    (_c("nordgrossist", "Nordgrossist AS", "NO", "wholesaler", "Nordgrossist"), 0.40),
    (_c("fjellmed", "Fjellmed Distribusjon AS", "NO", "wholesaler", "Fjellmed"), 0.35),
    (_c("kystfarma", "Kystfarma Grossist AS", "NO", "wholesaler", "Kystfarma"), 0.25),
]
HOSPITAL_PHARMACIES: list[tuple[str, float]] = [
    ("Sykehusapotek Sor-Ost", 0.56),
    ("Sykehusapotek Vest", 0.20),
    ("Sykehusapotek Midt", 0.13),
    ("Sykehusapotek Nord", 0.11),
]
PHARMACY_HOLDER = "Apotek (community pharmacies)"
PREPAREDNESS_HOLDER_OUTPATIENT = "Statens beredskapslager"
PREPAREDNESS_HOLDER_HOSPITAL = "Helseforetakenes beredskapslager"


# --- the 12 domestic producers (fictional names, profiles like Norway's real landscape) ----------
@dataclass(frozen=True)
class CapabilitySpec:
    """A line's capability; ``own_share`` > 0 adds the producer's own pack to the market."""

    atc: str
    capacity_ddd_per_day: float
    unit_cost_per_ddd: float
    api_days: float  # API on hand, in days of full capacity
    api_country: str | None  # None: made in-house
    qualified: bool = True
    own_share: float = 0.0
    form: str = "tab"


@dataclass(frozen=True)
class LineSpec:
    """A domestic production line with its capabilities."""

    line_id: str
    name: str
    dosage_forms: tuple[str, ...]
    response_days: int
    ramp_days: int
    capabilities: tuple[CapabilitySpec, ...]


@dataclass(frozen=True)
class ProducerSpec:
    """A domestic producer: company, its sites and lines, and what it is modelled on."""

    company: CompanySpec
    profile: str
    lines: tuple[LineSpec, ...]


#: The 12 domestic producers: id | name | brand | sites | profile (what they are modelled on).
PRODUCER_TABLE = """
kragnes | Kragnes Analgetika AS | Kragnes | kragero-fdf:Kragero:NO:fdf | tablets incl. analgesics
fjellsyntese | Fjellsyntese AS | Fjellsyntese | kragero-api:Kragero:NO:api, kragero2-fdf:Kragero:NO:fdf | API plant (metformin) with an integrated tablet line
haldor | Haldor Infusjon AS | Haldor | halden-fdf:Halden:NO:fdf:sterile | IV fluids and parenteral nutrition
oslofjord | Oslofjord Kontrast AS | Oslofjord | lindesnes-api:Lindesnes:NO:api, oslo-fdf:Oslo:NO:fdf:sterile | contrast media, with its own API plant
elvebakken | Elvebakken Væsker AS | Elvebakken | elverum-fdf:Elverum:NO:fdf | liquids and nasal sprays (contract manufacturer)
nordlys | Nordlys Sykehusapotek Produksjon HF | Nordlys | oslo-asep:Oslo:NO:fdf:sterile, tromso-prod:Tromso:NO:fdf | hospital-pharmacy production (aseptic compounding, sterile bags, paediatric liquids)
asker | Asker Tablett AS | Asker | asker-fdf:Asker:NO:fdf | tablets and capsules (chronic medicines)
trondelag | Trøndelag Sterile AS | Trondelag | trondheim-fdf:Trondheim:NO:fdf:sterile | sterile ampoules and vials
havbruk | Havbruk Vaksine AS | Havbruk | overhalla-fdf:Overhalla:NO:fdf:sterile | fish vaccines (export; no human medicines)
omega | Omega Marin AS | Omega | sandefjord-fdf:Sandefjord:NO:fdf | soft capsules (omega-3, vitamin D)
elverum | Elverum Farma AS | Elverum | elverum2-fdf:Elverum:NO:fdf | over-the-counter tablets, effervescent tablets and powders
vestland | Vestland Biofarma AS | Vestland | bergen-fdf:Bergen:NO:fdf:sterile | sterile fill-finish of biologics (pens, cartridges, prefilled syringes)
"""
#: Their lines: producer | line id | name | dosage forms (``;``) | response days | ramp days.
LINE_TABLE = """
kragnes | kragnes-tab-1 | Tablet line 1 (analgesics) | tablet; effervescent tablet | 14 | 14
kragnes | kragnes-tab-2 | Tablet line 2 | tablet; capsule | 30 | 21
fjellsyntese | fjellsyntese-tab | Metformin tablet line | tablet | 30 | 14
haldor | haldor-bag-1 | Infusion bag line | infusion | 7 | 7
haldor | haldor-pn | Parenteral nutrition line (three-chamber bags) | infusion | 14 | 14
haldor | haldor-amp | Electrolyte concentrate line | injection; infusion | 10 | 7
oslofjord | oslofjord-cm-1 | Iodinated contrast filling line | injection | 10 | 10
oslofjord | oslofjord-cm-2 | Gadolinium contrast line | injection | 45 | 21
elvebakken | elvebakken-nasal | Nasal spray line | nasal spray | 21 | 14
elvebakken | elvebakken-liquid | Oral liquids line | oral solution; oral suspension | 21 | 14
nordlys | nordlys-aseptic | Aseptic compounding unit | infusion; injection | 2 | 3
nordlys | nordlys-sterile | Sterile bags and syringes | infusion; injection | 7 | 7
nordlys | nordlys-liquid | Paediatric oral liquids | oral solution | 3 | 7
asker | asker-tab-1 | Film-coated tablet line | tablet | 30 | 30
asker | asker-cap | Capsule line | capsule | 30 | 21
trondelag | trondelag-amp | Ampoule line | injection | 21 | 21
trondelag | trondelag-lyo | Freeze-drying line | powder for injection | 60 | 30
havbruk | havbruk-vet | Fish vaccine filling line | injection (veterinary) | 60 | 60
omega | omega-softgel | Soft capsule line | soft capsule | 30 | 21
elverum | elverum-eff | Effervescent and powder line | effervescent tablet; oral powder | 21 | 14
elverum | elverum-tab | OTC tablet line | tablet | 21 | 14
vestland | vestland-pen | Cartridge and pen filling line | injection pen; cartridge | 120 | 60
vestland | vestland-pfs | Prefilled syringe line | injection | 45 | 30
"""
#: Capabilities: line | ATC | capacity DDD/day | unit cost NOK/DDD | API on hand (days of
#: capacity) | API country (``-`` = made in-house) | qualified (y/n) | the producer's own pack's
#: market share (0 = none) | form of that pack.
CAPABILITY_TABLE = """
kragnes-tab-1 | N02BE01 | 150000 | 0.35 | 30 | CN | y | 0.3 | tab
kragnes-tab-1 | M01AE01 | 60000 | 0.5 | 20 | CN | y | 0.2 | tab
kragnes-tab-1 | N02AJ06 | 30000 | 1.2 | 45 | GB | y | 0.35 | tab
kragnes-tab-1 | N02BA01 | 15000 | 0.4 | 10 | CN | y | 0 | tab
kragnes-tab-1 | B01AC06 | 60000 | 0.3 | 0 | CN | n | 0 | tab
kragnes-tab-2 | J01CE02 | 8000 | 3 | 30 | AT | y | 0.15 | tab
kragnes-tab-2 | J01CA04 | 5000 | 2.5 | 0 | CN | n | 0 | tab
kragnes-tab-2 | M01AE02 | 20000 | 0.6 | 15 | IN | y | 0.1 | tab
kragnes-tab-2 | N02AX02 | 8000 | 1 | 15 | IN | y | 0 | tab
fjellsyntese-tab | A10BA02 | 80000 | 0.5 | 120 | - | y | 0.25 | tab
fjellsyntese-tab | A10BB09 | 10000 | 0.8 | 0 | IN | n | 0 | tab
haldor-bag-1 | B05BB01 | 12000 | 18 | 60 | - | y | 0.55 | inf
haldor-bag-1 | B05BA03 | 6000 | 20 | 60 | - | y | 0.5 | inf
haldor-bag-1 | B05BB02 | 3000 | 22 | 60 | - | y | 0.5 | inf
haldor-pn | B05BA10 | 600 | 420 | 45 | DE | y | 0.45 | inf
haldor-pn | B05BA02 | 400 | 120 | 60 | - | y | 0.4 | inf
haldor-amp | B05XA01 | 1500 | 6 | 90 | - | y | 0.4 | inj
haldor-amp | B05XA02 | 400 | 25 | 90 | - | y | 0.3 | inf
haldor-amp | B05XA05 | 300 | 20 | 90 | - | y | 0 | tab
oslofjord-cm-1 | V08AB02 | 6000 | 55 | 90 | - | y | 0.8 | inj
oslofjord-cm-1 | V08AB09 | 4000 | 75 | 90 | - | y | 0.95 | inj
oslofjord-cm-2 | V08CA02 | 1500 | 60 | 0 | FR | n | 0 | tab
elvebakken-nasal | R01AA07 | 120000 | 0.35 | 30 | DE | y | 0.3 | nas
elvebakken-nasal | R01AD09 | 25000 | 1.5 | 0 | IN | n | 0 | tab
elvebakken-nasal | V03AB15 | 300 | 40 | 60 | GB | y | 0.3 | nas
elvebakken-liquid | N02BE01 | 20000 | 1.5 | 30 | CN | y | 0.05 | liq
elvebakken-liquid | M01AE01 | 10000 | 1.8 | 30 | CN | y | 0.04 | liq
elvebakken-liquid | A06AD11 | 25000 | 0.7 | 45 | NL | y | 0.35 | liq
elvebakken-liquid | N07BC02 | 3000 | 2 | 60 | GB | y | 0.3 | liq
elvebakken-liquid | J01CE02 | 2000 | 6 | 0 | AT | n | 0 | tab
elvebakken-liquid | J01CA04 | 1500 | 6 | 0 | CN | n | 0 | tab
nordlys-aseptic | L01BC02 | 400 | 90 | 30 | IT | y | 0 | tab
nordlys-aseptic | L01XA02 | 250 | 70 | 30 | IN | y | 0 | tab
nordlys-aseptic | L01XA03 | 200 | 80 | 30 | IN | y | 0 | tab
nordlys-aseptic | L01CD01 | 200 | 120 | 30 | CN | y | 0 | tab
nordlys-aseptic | L01AA01 | 150 | 60 | 30 | IN | y | 0 | tab
nordlys-sterile | N02AA01 | 600 | 8 | 60 | GB | y | 0 | tab
nordlys-sterile | N05CD08 | 400 | 6 | 60 | IN | y | 0 | tab
nordlys-sterile | N01BB01 | 300 | 10 | 60 | IN | y | 0 | tab
nordlys-sterile | B05XA01 | 500 | 8 | 90 | - | y | 0 | tab
nordlys-sterile | H01BB02 | 100 | 15 | 60 | DE | y | 0 | tab
nordlys-liquid | J01CE02 | 400 | 12 | 30 | AT | y | 0 | tab
nordlys-liquid | H02AB09 | 60 | 20 | 60 | IT | y | 0 | tab
nordlys-liquid | N03AB02 | 50 | 15 | 60 | IN | y | 0 | tab
asker-tab-1 | A02BC02 | 50000 | 0.5 | 30 | IN | y | 0.2 | tab
asker-tab-1 | H03AA01 | 80000 | 0.35 | 60 | DE | y | 0.45 | tab
asker-tab-1 | C07AB02 | 40000 | 0.4 | 20 | IN | y | 0.15 | tab
asker-tab-1 | C09CA01 | 50000 | 0.4 | 0 | IN | n | 0 | tab
asker-tab-1 | C10AA05 | 100000 | 0.3 | 0 | IN | n | 0 | tab
asker-cap | A02BC01 | 30000 | 0.5 | 20 | IN | y | 0.15 | cap
asker-cap | J01CF01 | 3000 | 3.5 | 30 | CN | y | 0.25 | cap
trondelag-amp | N02AA01 | 2000 | 9 | 60 | GB | y | 0.25 | inj
trondelag-amp | N01AX03 | 200 | 20 | 60 | IN | y | 0.3 | inj
trondelag-amp | B01AB01 | 500 | 25 | 30 | CN | y | 0.25 | inj
trondelag-amp | J01GB03 | 400 | 20 | 30 | CN | y | 0.2 | inj
trondelag-amp | C01CA24 | 300 | 15 | 60 | IN | y | 0.2 | inj
trondelag-amp | H01BB02 | 200 | 10 | 30 | DE | y | 0.2 | inj
trondelag-amp | N05CD08 | 600 | 5 | 30 | IN | y | 0.15 | inj
trondelag-amp | N01BB02 | 1000 | 4 | 30 | IN | y | 0.2 | inj
trondelag-lyo | J01XA01 | 200 | 60 | 0 | CN | n | 0 | tab
trondelag-lyo | J01DD04 | 500 | 25 | 0 | CN | n | 0 | tab
trondelag-lyo | J01CR05 | 300 | 90 | 0 | CN | n | 0 | tab
trondelag-lyo | J01CE01 | 600 | 30 | 0 | AT | n | 0 | tab
omega-softgel | A11CC05 | 150000 | 0.08 | 60 | NL | y | 0.25 | cap
elverum-eff | N02BE01 | 40000 | 0.6 | 20 | CN | y | 0.08 | tab
elverum-eff | R05CB01 | 20000 | 0.5 | 30 | IT | y | 0.35 | tab
elverum-eff | A06AD15 | 30000 | 0.6 | 30 | DE | y | 0.25 | pwd
elverum-eff | A12BA01 | 8000 | 0.7 | 30 | DE | y | 0.3 | tab
elverum-tab | R06AE07 | 80000 | 0.15 | 20 | IN | y | 0.25 | tab
elverum-tab | R06AX13 | 30000 | 0.2 | 20 | IN | y | 0.2 | tab
elverum-tab | A07DA03 | 15000 | 0.5 | 20 | BE | y | 0 | tab
elverum-tab | M01AE01 | 50000 | 0.45 | 15 | CN | y | 0.1 | tab
vestland-pen | A10AB01 | 20000 | 8 | 0 | DK | n | 0 | tab
vestland-pen | A10AC01 | 15000 | 8 | 0 | DK | n | 0 | tab
vestland-pen | A10AE04 | 15000 | 10 | 0 | IN | n | 0 | tab
vestland-pfs | B01AB04 | 3000 | 12 | 30 | CN | y | 0.15 | inj
vestland-pfs | B01AB05 | 3000 | 12 | 0 | CN | n | 0 | tab
"""


def _rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in text.strip().splitlines()]


def _parse_producers() -> list[ProducerSpec]:
    """The producers from :data:`PRODUCER_TABLE`, :data:`LINE_TABLE`, :data:`CAPABILITY_TABLE`."""
    caps: dict[str, list[CapabilitySpec]] = {}
    for line_id, atc, capacity, cost, days, country, qualified, share, form in _rows(
        CAPABILITY_TABLE
    ):
        caps.setdefault(line_id, []).append(
            CapabilitySpec(
                atc,
                float(capacity),
                float(cost),
                float(days),
                None if country == "-" else country,
                qualified == "y",
                float(share),
                form,
            )
        )
    lines: dict[str, list[LineSpec]] = {}
    for company_id, line_id, name, forms, response, ramp in _rows(LINE_TABLE):
        lines.setdefault(company_id, []).append(
            LineSpec(
                line_id,
                name,
                tuple(f.strip() for f in forms.split(";")),
                int(response),
                int(ramp),
                tuple(caps.pop(line_id, [])),
            )
        )
    if caps:
        raise ValueError(f"capabilities of unknown lines: {', '.join(caps)}")
    producers = []
    for cid, name, brand, sites, profile in _rows(PRODUCER_TABLE):
        company = _c(cid, name, "NO", "domestic", brand, *(x.strip() for x in sites.split(",")))
        producers.append(ProducerSpec(company, profile, tuple(lines.pop(cid, []))))
    if lines:
        raise ValueError(f"lines of unknown producers: {', '.join(lines)}")
    return producers


PRODUCERS: list[ProducerSpec] = _parse_producers()

#: Signed agreements: (id, line, atc, reserved DDD/day, response days, fee NOK/year, from, until,
#: offer id). Illustrative; one expired (history), one from an accepted 2025 offer.
AGREEMENTS: list[tuple[str, str, str, float, int, float, str, str, str | None]] = [
    ("AG-2022-01", "haldor-pn", "B05BA10", 200, 14, 3_000_000, "2022-01-01", "2025-12-31", None),
    (
        "AG-2024-01",
        "kragnes-tab-1",
        "N02BE01",
        60_000,
        14,
        4_500_000,
        "2024-01-01",
        "2026-12-31",
        None,
    ),
    (
        "AG-2024-02",
        "haldor-bag-1",
        "B05BB01",
        4_000,
        7,
        2_400_000,
        "2024-01-01",
        "2026-12-31",
        None,
    ),
    (
        "AG-2025-01",
        "elvebakken-liquid",
        "N02BE01",
        8_000,
        21,
        1_100_000,
        "2025-01-01",
        "2027-12-31",
        None,
    ),
    (
        "AG-2025-02",
        "trondelag-amp",
        "N02AA01",
        800,
        21,
        1_600_000,
        "2025-07-01",
        "2028-06-30",
        None,
    ),
    (
        "AG-2026-01",
        "asker-tab-1",
        "H03AA01",
        30_000,
        30,
        2_000_000,
        "2026-04-01",
        "2029-03-31",
        "OF-2025-01",
    ),
]


# --- supply-chain structure -----------------------------------------------------------------------
#: Country mix of API manufacture by substance class (assumptions scaled to the public figures:
#: Pro Generika/MundiCare 2020 found 63 % of the EDQM certificates of suitability (CEPs) for
#: generic APIs held in Asia, over 80 % of those in India and China; beta-lactam and heparin
#: APIs are known to be concentrated in China).
API_MIX: dict[str, dict[str, float]] = {
    "beta_lactam": {"CN": 0.55, "IN": 0.25, "AT": 0.12, "ES": 0.08},
    "antiinfective": {"CN": 0.40, "IN": 0.40, "IT": 0.15, "ES": 0.05},
    "analgesic": {"CN": 0.50, "IN": 0.35, "US": 0.08, "FR": 0.07},
    "opioid": {"GB": 0.45, "IN": 0.35, "FR": 0.20},
    "heparin": {"CN": 0.75, "IT": 0.15, "DE": 0.10},
    "cytotoxic": {"IN": 0.40, "CN": 0.25, "IT": 0.25, "DE": 0.10},
    "iodinated": {"NO": 0.70, "IT": 0.30},
    "gadolinium": {"DE": 0.50, "FR": 0.50},
    "anaesthetic_gas": {"GB": 0.40, "US": 0.30, "IN": 0.30},
    "hospital_small": {"IN": 0.35, "IT": 0.30, "CN": 0.20, "DE": 0.15},
    "brand_small": {"IE": 0.30, "CH": 0.20, "IT": 0.20, "IN": 0.20, "DE": 0.10},
    "generic": {"IN": 0.45, "CN": 0.25, "IT": 0.10, "ES": 0.08, "DE": 0.05, "HU": 0.04, "US": 0.03},
    "metformin": {"NO": 0.25, "IN": 0.45, "CN": 0.30},
    "levothyroxine": {"DE": 0.50, "IT": 0.30, "IN": 0.20},
    "vitamin": {"CN": 0.50, "NL": 0.50},
    "lactulose": {"NL": 0.60, "IT": 0.40},
    "plasma": {"US": 0.60, "AT": 0.40},
    "nutrition": {"DE": 0.60, "IT": 0.40},
}
BIOLOGIC_PREFIXES = ("A10A", "A10BJ", "B03XA", "L01F", "L03", "L04AB", "J06")
#: Substances with no API stage in the model (commodity salts and sugars made into fluids).
NO_API_PREFIXES = ("B05BA03", "B05BB", "B05XA", "A07BA01")


def api_class(s: SubstanceSpec) -> str:
    """The API sourcing class of a substance (a key of :data:`API_MIX`, or biologic/none)."""
    a = s.atc
    if a.startswith(NO_API_PREFIXES):
        return "none"
    specific = {
        "A10BA02": "metformin",
        "H03AA01": "levothyroxine",
        "A11CC05": "vitamin",
        "A11CC03": "vitamin",
        "A06AD11": "lactulose",
        "B05AA01": "plasma",
        "B05BA02": "nutrition",
        "B05BA10": "nutrition",
        "N02BE01": "analgesic",
        "M01AE01": "analgesic",
        "N02BA01": "analgesic",
        "B01AC06": "analgesic",
        "N02AJ06": "opioid",
    }
    if a in specific:
        return specific[a]
    if a.startswith(BIOLOGIC_PREFIXES):
        return "biologic"
    if a.startswith(("J01C", "J01D")):
        return "beta_lactam"
    if a.startswith(("J01", "J02", "J04", "J05", "P01")):
        return "antiinfective"
    if a.startswith(("N02A", "N07BC", "N01AH")):
        return "opioid"
    if a.startswith("B01AB"):
        return "heparin"
    if a.startswith(("L01", "V03AF")):
        return "cytotoxic"
    if a.startswith("V08AB"):
        return "iodinated"
    if a.startswith("V08CA"):
        return "gadolinium"
    if a.startswith("N01AB"):
        return "anaesthetic_gas"
    if s.market == "H" or a.startswith(("N01", "M03", "V03")):
        return "hospital_small"
    if s.market == "B":
        return "brand_small"
    return "generic"


def _site_hazard(
    country: str, stage: str, sterile: bool, rng: np.random.Generator
) -> tuple[float, float]:
    """Outage hazard (events/year) and mean outage (days) of a site: assumptions.

    Manufacturing and quality problems are the most reported shortage causes (Legemiddelverket;
    EMA/HMA 2023); API plants in India and China are assumed to fail more often and for longer
    (GMP non-compliance, import alerts, lockdowns), sterile sites more often than oral-solid ones
    (aseptic-processing failures), domestic sites least.
    """
    if country == "NO":
        hazard, days = 0.10, 14.0
    elif stage == "api":
        hazard, days = (0.35, 60.0) if country in ("IN", "CN") else (0.15, 40.0)
    else:
        hazard, days = (0.25, 45.0) if country in ("IN", "CN") else (0.12, 30.0)
    if sterile:
        hazard *= 1.6
        days *= 1.2
    jitter = rng.uniform(0.75, 1.3)
    return round(hazard * jitter, 3), round(days * rng.uniform(0.8, 1.25))


@dataclass
class World:
    """Everything generated so far, as row dicts per bundle table."""

    tables: dict[str, list[Row]]
    substances: list[SubstanceSpec]
    by_atc: dict[str, SubstanceSpec]
    companies: dict[str, CompanySpec]
    site_rows: dict[str, Row]
    api_sites_by_country: dict[str, list[str]]
    fdf_sites_of: dict[str, list[str]]
    sterile_sites: set[str]
    product_meta: dict[str, dict[str, Any]]
    calibration: Any = None  # beredt.calibrate.Calibration of the shipped hazards
    assumed_countries: dict[str, tuple[float, float]] = field(default_factory=dict)


def _all_companies() -> list[CompanySpec]:
    return [*FOREIGN, *(w for w, _ in WHOLESALERS), *(p.company for p in PRODUCERS)]


def build_companies_and_sites(world: World) -> None:
    """companies.csv, sites.csv and the site pools used to wire products."""
    roles_of = {
        "generic": ("ma_holder", "manufacturer"),
        "originator": ("ma_holder", "manufacturer"),
        "biosimilar": ("ma_holder", "manufacturer"),
        "sterile": ("ma_holder", "manufacturer"),
        "fluids": ("ma_holder", "manufacturer"),
        "api": ("manufacturer",),
        "wholesaler": ("wholesaler",),
        "domestic": ("ma_holder", "manufacturer", "producer"),
    }
    for c in _all_companies():
        world.companies[c.company_id] = c
        world.tables["companies"].append(
            {
                "company_id": c.company_id,
                "name": c.name,
                "country": c.country,
                "domestic": c.kind == "domestic",
                "roles": roles_of[c.kind],
            }
        )
        for suffix, town, country, stage, sterile in c.sites:
            site_id = f"{c.company_id}-{suffix}"
            hazard, days = _site_hazard(country, stage, sterile, _rng("site", site_id))
            label = {"api": "API plant", "fdf": "finished-dose plant", "pack": "packaging"}[stage]
            row = {
                "site_id": site_id,
                "company_id": c.company_id,
                "name": f"{town} {'sterile ' if sterile else ''}{label}",
                "country": country,
                "stage": stage,
                "outage_hazard_per_year": hazard,
                "outage_mean_days": days,
            }
            world.site_rows[site_id] = row
            world.tables["sites"].append(row)
            if sterile:
                world.sterile_sites.add(site_id)
            if stage == "api":
                world.api_sites_by_country.setdefault(country, []).append(site_id)
            else:
                world.fdf_sites_of.setdefault(c.company_id, []).append(site_id)
    used = sorted(
        {c.country for c in _all_companies()} | {r["country"] for r in world.tables["sites"]}
    )
    for code in sorted(set(COUNTRIES) | set(used)):
        name, hazard, days = COUNTRIES[code]
        world.tables["countries"].append(
            {
                "country": code,
                "name": name,
                "export_restriction_hazard_per_year": hazard,
                "export_restriction_mean_days": days,
            }
        )


# --- products ---------------------------------------------------------------------------------------
_NICE = (1.0, 2.0, 2.5, 4.0, 5.0, 7.5)


def nice(value: float) -> float:
    """The 'round' strength nearest to `value` on a log scale (1, 2, 2.5, 4, 5, 7.5 × 10ⁿ)."""
    if value <= 0:
        raise ValueError(f"strength {value} must be positive")
    decade = math.floor(math.log10(value))
    candidates = [m * 10.0**d for d in (decade - 1, decade, decade + 1) for m in _NICE]
    best = min(candidates, key=lambda c: abs(math.log(c / value)))
    return float(f"{best:.6g}")


def fmt_amount(value: float, unit: str) -> str:
    """A quantity in a readable unit (0.5 g → 500 mg, 10 TU → 10,000 IU)."""
    if unit == "g" and value < 1:
        return fmt_amount(value * 1000, "mg")
    if unit == "mg" and value < 1:
        return fmt_amount(value * 1000, "mcg")
    if unit == "TU":
        return f"{value * 1000:,.0f} IU".replace(",", " ")
    if unit == "U":
        return f"{value:g} U"
    if unit == "MU":
        return f"{value * 1e6:,.0f} IU".replace(",", " ")
    if unit == "tablet":
        return ""
    return f"{value:g} {unit}"


def _pack_contents(
    s: SubstanceSpec, form: str, rng: np.random.Generator
) -> tuple[float, int, str, str, int]:
    """(amount per unit in the DDD's unit, units per pack, strength text, pack text, shelf months)."""
    ddd = s.ddd

    def pick(options: Sequence[Any]) -> Any:
        return options[int(rng.integers(len(options)))]

    # Cycle-dosed cytostatics: a vial holds about one administration (a 21-day cycle's dose).
    per_administration = ddd * 21 if s.note and s.note.startswith(ASSUMED_NOTES["L01"]) else ddd
    if form in ("tab", "cap", "sl", "supp"):
        amount = 1.0 if s.unit == "tablet" else nice(ddd / pick([1, 2, 3, 4]))
        while s.unit == "g" and amount > 1.0:  # no tablet or suppository above 1 g
            amount = nice(amount / 2)
        units = pick([10, 20] if form == "supp" else [20, 28, 30, 50, 98, 100])
        return amount, units, fmt_amount(amount, s.unit), f"{units} stk", pick([36, 48, 60])
    if form == "liq":
        per_ml = nice(ddd / pick([2, 3, 4]) / 5)
        while s.unit == "g" and per_ml > 0.1:  # at most 100 mg/ml
            per_ml = nice(per_ml / 2)
        volume = pick([100, 200, 500] if s.ddd >= 5 and s.unit == "g" else [100, 200])
        return (
            per_ml * volume,
            1,
            f"{fmt_amount(per_ml, s.unit)}/ml",
            f"{volume} ml",
            pick([18, 24]),
        )
    if form == "pwd":
        amount = nice(ddd / pick([1, 2]))
        units = pick([10, 20, 30])
        return amount, units, fmt_amount(amount, s.unit), f"{units} dosepose", 36
    if form == "inj":
        if s.unit in ("ml",):  # contrast media bottles
            volume = pick([50.0, 100.0, 200.0])
            return volume, 10, f"{volume:g} ml", "10 x flaske", 36
        if s.unit == "mmol":
            amount = pick([7.5, 15.0]) if s.atc.startswith("V08") else nice(ddd / pick([2, 4]))
            return amount, 10, fmt_amount(amount, s.unit), "10 x hetteglass", 36
        amount = nice(per_administration / pick([1, 2, 4]))
        units = pick([1, 5, 10, 25])
        return amount, units, fmt_amount(amount, s.unit), f"{units} x hetteglass", pick([24, 36])
    if form == "inf":
        if s.unit == "ml":
            if s.ddd >= 1000:
                volume = 1500.0 if s.ddd == 1500 else pick([500.0, 1000.0])
                units = 4 if s.ddd == 1500 else pick([10, 20])
            else:
                volume, units = pick([250.0, 500.0]), 10
            return volume, units, f"{volume:g} ml", f"{units} x pose", 24
        amount = nice(per_administration / pick([1, 2, 4]))
        units = pick([10, 20]) if not s.atc.startswith(("L01F", "J06")) else 1
        return amount, units, fmt_amount(amount, s.unit), f"{units} x pose", 24
    if form == "pen":
        if s.unit == "U":
            units = pick([5, 10])
            return 300.0, units, "100 U/ml", f"{units} x 3 ml penn", 24
        amount = nice(ddd * pick([7, 14, 28]))
        units = pick([1, 3])
        return amount, units, fmt_amount(amount, s.unit), f"{units} penn", 24
    if form == "inh":
        doses = pick([60, 120, 200])
        dose = nice(ddd / pick([2, 4, 8]))
        units = pick([1, 3])
        return (
            dose * doses,
            units,
            f"{fmt_amount(dose, s.unit)}/dose",
            f"{units} x {doses} doser",
            24,
        )
    if form == "nas":
        sprays = pick([70, 100, 140])
        dose = nice(ddd / pick([4, 6]))
        return (
            dose * sprays,
            1,
            f"{fmt_amount(dose, s.unit)}/dose",
            f"{sprays} doser",
            pick([24, 36]),
        )
    if form == "td":
        days = pick([3, 7])
        rate = nice(ddd / pick([1, 2, 4]))
        units = pick([4, 5, 10])
        return (
            rate * days,
            units,
            f"{fmt_amount(rate, s.unit)}/24 t",
            f"{units} stk",
            pick([24, 36]),
        )
    if form == "gas":
        units = pick([1, 6])
        return 250.0, units, "250 ml", f"{units} x 250 ml", 60
    raise ValueError(f"unknown form {form}")


def _price_per_ddd(s: SubstanceSpec, form: str, rng: np.random.Generator) -> float:
    """Pharmacy purchase price per DDD in NOK: an illustrative level by class, with noise."""
    a = s.atc
    table: list[tuple[tuple[str, ...], float]] = [
        (("B05BA10",), 600.0),
        (("B05AA01",), 900.0),
        (("B05BA02",), 150.0),
        (("B05XA",), 15.0),
        (("B05",), 25.0),
        (("V08CA",), 400.0),
        (("V08",), 250.0),
        (("L01FF",), 2500.0),
        (("L01F",), 600.0),
        (("L01EA",), 60.0),
        (("L04AB",), 150.0),
        (("J06",), 1500.0),
        (("L01", "V03AF"), 150.0),
        (("A10A",), 12.0),
        (("A10BJ",), 35.0),
        (("B03XA", "L03"), 150.0),
        (("N01", "M03"), 70.0),
        (("V03",), 200.0),
    ]
    base = next((p for prefixes, p in table if a.startswith(prefixes)), None)
    if base is None:
        if s.market == "H":
            base = 60.0
        elif s.market in ("B", "X"):
            base = 15.0 if s.market == "B" else 100.0
        elif form in HOSPITAL_FORMS:
            base = 20.0
        else:
            base = 0.8 if s.ddd_per_1000_per_day >= 20 else 1.8
    return base * float(rng.lognormal(0.0, 0.25))


def _holder_pool(world: World, s: SubstanceSpec, form: str) -> list[str]:
    """Candidate foreign MA holders for a pack of `s` in `form`."""
    a = s.atc
    by_kind: dict[str, list[str]] = {}
    for c in FOREIGN:
        by_kind.setdefault(c.kind, []).append(c.company_id)
    if a.startswith("V08AB02"):
        return ["himalaya"]
    if a.startswith("V08AB"):
        return ["imagix"]
    if a.startswith("V08CA02"):
        return ["guerande", "generika-nord"]
    if a.startswith("V08CA"):
        return ["rheinmain"]
    if a.startswith(("A10A",)):
        return ["kattegat", "meridian", "rheinmain"]
    if a.startswith("N01AB"):
        return ["atlantic", "cascade"]
    if a.startswith(("B05",)):
        return ["scanfluid", "sterimed"]
    if s.market == "X":
        return ["meridian", "flanders", "basel-ls", "rhone", "rheinmain", "shannon"]
    if s.market == "B":
        return by_kind["originator"][:9]
    if s.market == "H" or form in HOSPITAL_FORMS:
        return ["sterimed", "adriatic", "cascade", "himalaya", "lombardia", "generika-nord"]
    return by_kind["generic"]


def _n_products(s: SubstanceSpec, rng: np.random.Generator) -> int:
    if s.market == "G":
        low, high = (
            (3, 6)
            if s.ddd_per_1000_per_day >= 5
            else (2, 5)
            if s.ddd_per_1000_per_day >= 0.5
            else (1, 3)
        )
    elif s.market == "B":
        low, high = 1, 2
    elif s.market == "X":
        low, high = 2, 3
    else:
        low, high = 1, 3
    return int(rng.integers(low, high + 1))


def _floor3(x: float) -> float:
    return math.floor(x * 1000.0) / 1000.0


def build_products(world: World) -> None:
    """products.csv and supply.csv: packs per substance with shares, holders and sites."""
    domestic_caps: dict[str, list[tuple[ProducerSpec, CapabilitySpec]]] = {}
    for p in PRODUCERS:
        for line in p.lines:
            for cap in line.capabilities:
                if cap.own_share > 0:
                    domestic_caps.setdefault(cap.atc, []).append((p, cap))
    for s in world.substances:
        rng = _rng("products", s.atc)
        domestic = domestic_caps.get(s.atc, [])
        n = _n_products(s, rng)
        covered = {cap.form for _, cap in domestic}
        extra_forms = [f for f in s.forms[1:] if f not in covered]
        # At least one foreign pack in the main form: no substance relies on domestic packs only.
        n_foreign = min(max(n - len(domestic), len(extra_forms) + 1), 6 - len(domestic))
        forms = ([s.forms[0], *extra_forms] + [s.forms[0]] * 6)[:n_foreign]
        forms = sorted(forms, key=lambda f: f != s.forms[0])  # main form first
        # Shares: domestic packs fixed; secondary forms small; the main form shares the rest.
        coverage = float(rng.uniform(0.95, 1.0) if s.market == "H" else rng.uniform(0.9, 1.0))
        fixed = sum(cap.own_share for _, cap in domestic)
        rest = min(max(coverage - fixed, 0.02 * n_foreign), 1.0 - fixed)
        secondary = [f != s.forms[0] for f in forms]
        shares = np.zeros(len(forms))
        for i, is_secondary in enumerate(secondary):
            if is_secondary:
                shares[i] = rest * float(rng.uniform(0.02, 0.10))
        main_idx = [i for i, sec in enumerate(secondary) if not sec]
        main_total = rest - shares.sum()
        if main_idx:
            if s.market == "H" and len(main_idx) > 1:  # a tender winner and the runners-up
                weights = np.array([rng.uniform(0.65, 0.9)] + [0.0] * (len(main_idx) - 1))
                weights[1:] = (1 - weights[0]) * rng.dirichlet(np.ones(len(main_idx) - 1))
            else:
                weights = rng.dirichlet(np.full(len(main_idx), 1.3))
            shares[main_idx] = main_total * weights
        pool = _holder_pool(world, s, forms[0] if forms else s.forms[0])
        order = rng.permutation(len(pool))
        holders: list[str] = []
        for form in forms:
            candidates_pool = _holder_pool(world, s, form) if form != forms[0] else pool
            o = order if candidates_pool is pool else rng.permutation(len(candidates_pool))
            candidates = [candidates_pool[j] for j in o if candidates_pool[j] not in holders] or [
                candidates_pool[int(o[0])]
            ]
            holders.append(candidates[0])
        api_pool = _api_pool(world, s, holders, rng)
        k = 0
        for producer, cap in domestic:
            k += 1
            _add_product(
                world,
                s,
                k,
                producer.company.company_id,
                cap.form,
                cap.own_share,
                True,
                rng,
                api_pool,
                cap.api_country,
            )
        for form, holder, share in zip(forms, holders, shares, strict=True):
            k += 1
            _add_product(
                world, s, k, holder, form, _floor3(max(share, 0.001)), False, rng, api_pool, None
            )


def _api_pool(
    world: World, s: SubstanceSpec, holders: list[str], rng: np.random.Generator
) -> list[str]:
    """The API sites that make the substance, in order of importance (first = largest)."""
    cls = api_class(s)
    if cls == "none":
        return []
    if cls == "biologic":
        sites = [
            f"{h}-{suffix}"
            for h in holders
            for suffix, *_rest, stage, _st in world.companies[h].sites
            if stage == "api"
        ]
        return list(dict.fromkeys(sites)) or world.api_sites_by_country["DK"][:1]
    mix = API_MIX[cls]
    countries = list(mix)
    probs = np.array([mix[c] for c in countries])
    n_sources = {"G": (2, 4), "B": (1, 2), "H": (1, 3), "X": (1, 2)}[s.market]
    n = int(rng.integers(n_sources[0], n_sources[1] + 1))
    pool: list[str] = []
    for _ in range(12):
        if len(pool) >= n:
            break
        country = countries[int(rng.choice(len(countries), p=probs / probs.sum()))]
        sites = world.api_sites_by_country.get(country, [])
        if not sites:
            continue
        site = sites[int(rng.integers(len(sites)))]
        if site not in pool:
            pool.append(site)
    return pool


def _add_product(
    world: World,
    s: SubstanceSpec,
    k: int,
    holder: str,
    form: str,
    share: float,
    domestic: bool,
    rng: np.random.Generator,
    api_pool: list[str],
    api_country: str | None,
) -> None:
    product_id = f"{s.atc}-{k}"
    amount, units, strength, pack, shelf = _pack_contents(s, form, rng)
    ddd_per_pack = round(amount * units / s.ddd, 4)
    company = world.companies[holder]
    strength_part = f" {strength}" if strength else ""
    name = f"{_title(s.name)} {company.brand} {FORM_ABBREV[form]}{strength_part} {pack}"
    price = round(ddd_per_pack * _price_per_ddd(s, form, rng), 2)
    if domestic:
        spare, lead = float(rng.uniform(0.05, 0.2)), int(rng.integers(14, 31))
    elif s.market == "G":
        spare, lead = float(rng.uniform(0.02, 0.25)), int(rng.integers(14, 61))
    elif s.market == "H":
        spare, lead = float(rng.uniform(0.0, 0.15)), int(rng.integers(21, 61))
    else:
        spare, lead = float(rng.uniform(0.0, 0.08)), int(rng.integers(30, 91))
    world.tables["products"].append(
        {
            "product_id": product_id,
            "atc_code": s.atc,
            "name": name,
            "ma_holder_id": holder,
            "form": FORM_NAME[form],
            "ddd_per_pack": ddd_per_pack,
            "price_per_pack": price,
            "market_share": share,
            "route": ROUTE_OF_FORM[form],
            "strength": strength or None,
            "pack_size": units,
            "shelf_life_months": shelf,
            "spare_capacity_share": round(spare, 3),
            "spare_lead_time_days": lead,
        }
    )
    # Finished dose: the holder's own sites (sometimes two).
    fdf = world.fdf_sites_of[holder]
    chosen_fdf = [fdf[int(rng.integers(len(fdf)))]]
    if len(fdf) > 1 and rng.random() < 0.2:
        chosen_fdf = list(fdf[:2])
    # Active ingredient: in-house for domestic API plants, else from the substance's API pool.
    chosen_api: list[str] = []
    own_api = [f"{holder}-{suffix}" for suffix, *_r, stage, _st in company.sites if stage == "api"]
    if domestic:
        if api_country is None:
            chosen_api = own_api
        else:
            in_country = [x for x in api_pool if world.site_rows[x]["country"] == api_country]
            chosen_api = in_country[:1] or world.api_sites_by_country[api_country][:1]
    elif api_pool:
        weights = np.array([0.5, 0.25, 0.15, 0.1][: len(api_pool)])
        first = int(rng.choice(len(api_pool), p=weights / weights.sum()))
        chosen_api = [api_pool[first]]
        if len(api_pool) > 1 and rng.random() < 0.15:
            chosen_api.append(api_pool[(first + 1) % len(api_pool)])
    for site in [*chosen_api, *chosen_fdf]:
        world.tables["supply"].append({"product_id": product_id, "site_id": site})
    world.product_meta[product_id] = {
        "substance": s,
        "form": form,
        "holder": holder,
        "domestic": domestic,
        "share": share,
        "ddd_per_pack": ddd_per_pack,
        "sites": [*chosen_api, *chosen_fdf],
        "name": name,
    }


# --- demand ----------------------------------------------------------------------------------------
def seasonality(s: SubstanceSpec) -> tuple[float, int, float]:
    """(amplitude, peak day of year, daily CV) of a substance's demand: assumptions.

    Antibiotics and respiratory medicines peak in winter (NORM and FHI report higher sales in
    the first quarter); allergy medicines (oral antihistamines, nasal corticosteroids) peak in
    May with the birch-pollen season; oseltamivir follows the influenza season.
    """
    a = s.atc
    if a == "J05AH02":
        return 0.9, 30, 0.3
    if a.startswith(("R06", "R01AD")):
        return 0.45, 140, 0.15
    if a.startswith(("R01AA", "R05")):
        return 0.35, 15, 0.15
    if a.startswith("R03"):
        return 0.15, 20, 0.08
    if a.startswith("J01") and a != "J01XX05":
        oral = ROUTE_OF_FORM[s.forms[0]] == "O"
        return (0.25, 20, 0.2) if oral else (0.10, 20, 0.15)
    if a == "N02BE01":
        return 0.10, 20, 0.1
    if s.market == "H" or s.forms[0] in HOSPITAL_FORMS:
        return 0.0, 15, 0.12
    return 0.0, 15, 0.05


def build_demand(world: World) -> None:
    """substances.csv and demand.csv."""
    for s in world.substances:
        world.tables["substances"].append(
            {
                "atc_code": s.atc,
                "name": s.name,
                "ddd": s.ddd,
                "ddd_unit": s.unit,
                "ddd_source": "assumed" if s.assumed else "who",
                "ddd_note": s.note if s.assumed else f"route {s.route}",
                "criticality": s.criticality,
                "who_essential": s.who_essential,
            }
        )
        amplitude, peak, cv = seasonality(s)
        world.tables["demand"].append(
            {
                "atc_code": s.atc,
                "ddd_per_day": round(s.demand_ddd_per_day, 3),
                "seasonal_amplitude": amplitude,
                "seasonal_peak_day": peak,
                "daily_cv": cv,
            }
        )


# --- stock -------------------------------------------------------------------------------------------
def is_listed(s: SubstanceSpec) -> bool:
    """Whether the wholesalers' two-month preparedness duty covers the substance's packs.

    Assumption: the list of grossistforskriften § 5 covers the vital and essential substances.
    """
    return s.criticality in ("vital", "essential")


SOURCE_WHOLESALE_DUTY = (
    "illustrative: wholesaler stock under the 2-month duty (grossistforskriften § 5)"
)
SOURCE_WHOLESALE_CYCLE = "illustrative: wholesaler cycle stock"
SOURCE_PREPAREDNESS = "illustrative: national preparedness stock (3-6 months)"
SOURCE_HOSPITAL = "illustrative: hospital pharmacy stock"
SOURCE_PHARMACY = "illustrative: community pharmacy stock"
SOURCE_PRODUCER = "illustrative: producer finished-goods stock"
SOURCE_MOVEMENT = "illustrative: wholesaler ledger"


def _packs(days: float, ddd_per_day: float, ddd_per_pack: float) -> int:
    return round(days * ddd_per_day / ddd_per_pack)


def build_stock(world: World) -> None:
    """stock.csv: counts on COUNT_DATE by tier and holder, plus a few wholesaler movements."""
    rows = world.tables["stock"]

    def count(pid: str, holder: str, tier: str, packs: int, source: str) -> None:
        if packs > 0:
            rows.append(
                {
                    "date": COUNT_DATE,
                    "product_id": pid,
                    "holder": holder,
                    "tier": tier,
                    "packs": packs,
                    "kind": "count",
                    "source": source,
                }
            )

    by_substance: dict[str, list[str]] = {}
    for pid, meta in world.product_meta.items():
        by_substance.setdefault(meta["substance"].atc, []).append(pid)
    wholesale_positions: list[tuple[str, str, float]] = []
    for pid, meta in world.product_meta.items():
        s: SubstanceSpec = meta["substance"]
        rng = _rng("stock", pid)
        demand = s.demand_ddd_per_day * meta["share"]
        per_pack = meta["ddd_per_pack"]
        # Wholesale: hospital-tender packs go through one or two wholesalers, the rest all three.
        if s.market == "H" or meta["form"] in HOSPITAL_FORMS:
            k = int(rng.integers(1, 3))
            carriers = [WHOLESALERS[int(i)] for i in sorted(rng.permutation(3)[:k])]
        else:
            carriers = list(WHOLESALERS)
        total = sum(w for _, w in carriers)
        listed = is_listed(s)
        for wholesaler, weight in carriers:
            if listed:
                days = WHOLESALE_DUTY_DAYS * float(rng.uniform(*WHOLESALE_DUTY_BAND))
                source = SOURCE_WHOLESALE_DUTY
            else:
                days, source = float(rng.uniform(10, 35)), SOURCE_WHOLESALE_CYCLE
            daily = demand * weight / total
            count(pid, wholesaler.name, "wholesale", _packs(days, daily, per_pack), source)
            wholesale_positions.append((pid, wholesaler.name, daily))
        if meta["form"] in HOSPITAL_FORMS or s.market == "H":
            for holder, weight in HOSPITAL_PHARMACIES:
                days = float(rng.uniform(14, 42))
                count(
                    pid,
                    holder,
                    "hospital",
                    _packs(days, demand * weight, per_pack),
                    SOURCE_HOSPITAL,
                )
        else:
            days = float(rng.uniform(7, 21))
            count(pid, PHARMACY_HOLDER, "pharmacy", _packs(days, demand, per_pack), SOURCE_PHARMACY)
        if meta["domestic"]:
            days = float(rng.uniform(20, 45))
            count(
                pid,
                world.companies[meta["holder"]].name,
                "producer",
                _packs(days, demand, per_pack),
                SOURCE_PRODUCER,
            )
    # National preparedness stock for most vital substances, on the largest pack(s).
    for s in world.substances:
        rng = _rng("preparedness", s.atc)
        if s.criticality != "vital" or rng.random() > 0.75:
            continue
        pids = sorted(by_substance[s.atc], key=lambda p: -world.product_meta[p]["share"])
        days = float(rng.uniform(*PREPAREDNESS_DAYS))
        split = [1.0] if len(pids) == 1 else [0.7, 0.3]
        for pid, part in zip(pids, split, strict=False):
            meta = world.product_meta[pid]
            hospital = meta["form"] in HOSPITAL_FORMS or s.market == "H"
            holder = PREPAREDNESS_HOLDER_HOSPITAL if hospital else PREPAREDNESS_HOLDER_OUTPATIENT
            packs = _packs(days * part, s.demand_ddd_per_day, meta["ddd_per_pack"])
            count(pid, holder, "preparedness", max(packs, 1), SOURCE_PREPAREDNESS)
    # A few movements between the count and the as-of date: issues and replenishments.
    rng = _rng("movements")
    picks = rng.choice(len(wholesale_positions), size=40, replace=False)
    for i in sorted(int(x) for x in picks):
        pid, holder, daily = wholesale_positions[i]
        per_pack = world.product_meta[pid]["ddd_per_pack"]
        issued = _packs(float(rng.uniform(2, 4)), daily, per_pack)
        received = _packs(float(rng.uniform(2, 5)), daily, per_pack)
        for date, packs in ((dt.date(2026, 10, 28), -issued), (dt.date(2026, 10, 30), received)):
            if packs != 0:
                rows.append(
                    {
                        "date": date,
                        "product_id": pid,
                        "holder": holder,
                        "tier": "wholesale",
                        "packs": packs,
                        "kind": "movement",
                        "source": SOURCE_MOVEMENT,
                    }
                )


# --- shortage history -------------------------------------------------------------------------------
#: Cause mix of notices: assumption after Legemiddelverket ("production problems, delayed
#: deliveries and insufficient deliveries because of increased sales" are the causes companies
#: report most often).
CAUSE_MIX: dict[str, float] = {
    "manufacturing": 0.38,
    "logistics": 0.20,
    "demand_increase": 0.15,
    "quality": 0.08,
    "api_supply": 0.07,
    "commercial": 0.05,
    "regulatory": 0.03,
    "export_restriction": 0.01,
    "unknown": 0.03,
}
CAUSE_TITLE = {
    "manufacturing": "production problems at the manufacturer",
    "logistics": "delayed deliveries",
    "demand_increase": "increased demand",
    "quality": "batch recall / quality defect",
    "api_supply": "active ingredient unavailable",
    "commercial": "supplier discontinues the pack",
    "regulatory": "pending regulatory change",
    "export_restriction": "export restriction in the producing country",
    "unknown": "cause not stated",
    "other": "other cause",
}
MEDIAN_SHORTAGE_DAYS = 21.0
SHORTAGE_SIGMA = 0.9
CANCELLED_SHARE = 0.07

#: Notices modelled on reported events (scaled to the sample; not copies of real notices).
SCRIPTED_SHORTAGES: list[dict[str, Any]] = [
    {
        "atc_code": "J01CE02",
        "form": "liq",
        "cause": "demand_increase",
        "announced": "2022-12-02",
        "start": "2022-12-05",
        "expected": "2023-02-28",
        "end": "2023-04-14",
        "title": "Phenoxymethylpenicillin oral solution: winter demand exceeds supply "
        "(modelled on the 2022/23 European shortage of paediatric antibiotic mixtures)",
    },
    {
        "atc_code": "J01CA04",
        "form": "liq",
        "cause": "demand_increase",
        "announced": "2022-12-10",
        "start": "2022-12-12",
        "expected": "2023-02-15",
        "end": "2023-03-20",
        "title": "Amoxicillin oral suspension: demand surge (modelled on winter 2022/23)",
    },
    {
        "atc_code": "N06BA04",
        "form": None,
        "cause": "manufacturing",
        "announced": "2023-10-16",
        "start": "2023-11-01",
        "expected": "2024-02-29",
        "end": "2024-06-10",
        "title": "Methylphenidate: production capacity below European demand "
        "(modelled on the 2023/24 ADHD-medicine shortage)",
    },
    {
        "atc_code": "A10BJ06",
        "form": None,
        "cause": "demand_increase",
        "announced": "2023-03-20",
        "start": "2023-04-01",
        "expected": "2023-12-31",
        "end": "2024-08-30",
        "title": "Semaglutide pens: global demand exceeds supply (modelled on the GLP-1 shortage)",
    },
]


def _product_weight(world: World, pid: str) -> float:
    """Relative shortage propensity of a pack: the outage hazards of its sites plus a base."""
    meta = world.product_meta[pid]
    hazard = sum(world.site_rows[x]["outage_hazard_per_year"] for x in meta["sites"])
    return 0.2 + hazard


def build_shortages(world: World) -> None:
    """shortages.csv: a Poisson history at the national rate per pack, plus scripted events."""
    window_end = AS_OF + dt.timedelta(days=30)
    years = (window_end - HISTORY_START).days / 365.25
    pids = list(world.product_meta)
    weights = np.array([_product_weight(world, p) for p in pids])
    weights /= weights.mean()
    causes = list(CAUSE_MIX)
    cause_p = np.array([CAUSE_MIX[c] for c in causes])
    drafts: list[dict[str, Any]] = []
    for pid, weight in zip(pids, weights, strict=True):
        rng = _rng("shortages", pid)
        n = int(rng.poisson(NOTICES_PER_PACK_YEAR * weight * years))
        meta = world.product_meta[pid]
        s: SubstanceSpec = meta["substance"]
        span = (window_end - HISTORY_START).days
        for _ in range(n):
            start = HISTORY_START + dt.timedelta(days=int(rng.integers(span)))
            lead = 0 if rng.random() < 0.3 else int(rng.integers(1, 61))
            duration = max(3, round(MEDIAN_SHORTAGE_DAYS * rng.lognormal(0, SHORTAGE_SIGMA)))
            expected = max(7, round(duration * rng.lognormal(-0.2, 0.4)))
            cause = causes[int(rng.choice(len(causes), p=cause_p))]
            whole_substance = rng.random() < 0.1  # a notice about the substance, not one pack
            drafts.append(
                {
                    "atc_code": s.atc,
                    "product_id": None if whole_substance else pid,
                    "cause": cause,
                    "announced": start - dt.timedelta(days=lead),
                    "start": start,
                    "expected_end": start + dt.timedelta(days=expected),
                    "end": start + dt.timedelta(days=duration),
                    "cancelled": rng.random() < CANCELLED_SHARE and lead > 0,
                    "title": f"{_title(s.name) if whole_substance else meta['name']}: "
                    f"{CAUSE_TITLE[cause]}",
                }
            )
    for event in SCRIPTED_SHORTAGES:
        scripted_pid = _scripted_product(world, event["atc_code"], event["form"])
        drafts.append(
            {
                "atc_code": event["atc_code"],
                "product_id": scripted_pid,
                "cause": event["cause"],
                "announced": dt.date.fromisoformat(event["announced"]),
                "start": dt.date.fromisoformat(event["start"]),
                "expected_end": dt.date.fromisoformat(event["expected"]),
                "end": dt.date.fromisoformat(event["end"]),
                "cancelled": False,
                "title": event["title"],
            }
        )
    known = [d for d in drafts if d["announced"] <= AS_OF]
    known.sort(key=lambda d: (d["announced"], d["start"], d["atc_code"], d["product_id"] or ""))
    numbers: dict[int, int] = {}
    for d in known:
        year = d["announced"].year
        numbers[year] = numbers.get(year, 0) + 1
        if d["cancelled"]:
            status, end = "cancelled", None
        elif d["start"] > AS_OF:
            status, end = "announced", None
        elif d["end"] > AS_OF:
            status, end = "ongoing", None
        else:
            status, end = "resolved", d["end"]
        world.tables["shortages"].append(
            {
                "notice_id": f"SMP-{year}-{numbers[year]:04d}",
                "atc_code": d["atc_code"],
                "status": status,
                "start_date": d["start"],
                "product_id": d["product_id"],
                "cause": d["cause"],
                "announced_date": d["announced"],
                "expected_end_date": d["expected_end"],
                "end_date": end,
                "source": "illustrative (modelled on the national shortage list)",
                "title": d["title"],
            }
        )


def _scripted_product(world: World, atc: str, form: str | None) -> str | None:
    """The largest pack of `atc` in `form` (any form when None)."""
    candidates = [
        (meta["share"], pid)
        for pid, meta in world.product_meta.items()
        if meta["substance"].atc == atc and (form is None or meta["form"] == form)
    ]
    return max(candidates)[1] if candidates else None


# --- domestic production --------------------------------------------------------------------------
OFFER_SHARE = 0.6  # share of the vital/essential capabilities that carry an offer


def _sig2(x: float) -> float:
    """`x` rounded to two significant digits."""
    if x <= 0:
        return 0.0
    digits = 1 - math.floor(math.log10(x))
    return float(round(x, digits))


def build_domestic(world: World) -> None:
    """lines.csv, capabilities.csv, offers.csv and agreements.csv of the 12 producers."""
    active = {(a[1], a[2]) for a in AGREEMENTS if dt.date.fromisoformat(a[7]) >= AS_OF}
    offer_no = 0
    for producer in PRODUCERS:
        for line in producer.lines:
            world.tables["lines"].append(
                {
                    "line_id": line.line_id,
                    "company_id": producer.company.company_id,
                    "name": line.name,
                    "dosage_forms": line.dosage_forms,
                    "response_days": line.response_days,
                    "ramp_days": line.ramp_days,
                }
            )
            for cap in line.capabilities:
                world.tables["capabilities"].append(
                    {
                        "line_id": line.line_id,
                        "atc_code": cap.atc,
                        "capacity_ddd_per_day": cap.capacity_ddd_per_day,
                        "unit_cost_per_ddd": cap.unit_cost_per_ddd,
                        "api_on_hand_ddd": cap.capacity_ddd_per_day * cap.api_days,
                        "api_source_country": cap.api_country,
                        "qualified": cap.qualified,
                    }
                )
                s = world.by_atc[cap.atc]
                rng = _rng("offer", line.line_id, cap.atc)
                if (line.line_id, cap.atc) in active or s.criticality == "other":
                    continue
                if rng.random() > OFFER_SHARE:
                    continue
                offer_no += 1
                reserved = _sig2(cap.capacity_ddd_per_day * float(rng.uniform(0.3, 0.6)))
                qualification = 0 if cap.qualified else int(rng.integers(90, 181))
                fee = (
                    reserved * 365 * cap.unit_cost_per_ddd * float(rng.uniform(0.06, 0.12))
                    + float(rng.uniform(0.3e6, 1.2e6))
                    + (0.0 if cap.qualified else float(rng.uniform(1.5e6, 4.0e6)))
                )
                later = rng.random() < 0.1
                world.tables["offers"].append(
                    {
                        "offer_id": f"OF-2026-{offer_no:02d}",
                        "line_id": line.line_id,
                        "atc_code": cap.atc,
                        "reserved_ddd_per_day": reserved,
                        "response_days": line.response_days + qualification,
                        "annual_fee": round(fee, -4),
                        "valid_from": dt.date(2027, 1, 1) if later else dt.date(2026, 1, 1),
                        "valid_until": dt.date(2028, 12, 31),
                    }
                )
    # The 2025 offer that became agreement AG-2026-01 (expired as an offer).
    world.tables["offers"].append(
        {
            "offer_id": "OF-2025-01",
            "line_id": "asker-tab-1",
            "atc_code": "H03AA01",
            "reserved_ddd_per_day": 30_000.0,
            "response_days": 30,
            "annual_fee": 2_100_000.0,
            "valid_from": dt.date(2025, 1, 1),
            "valid_until": dt.date(2025, 12, 31),
        }
    )
    for aid, line_id, atc, reserved, response, fee, start, until, offer in AGREEMENTS:
        world.tables["agreements"].append(
            {
                "agreement_id": aid,
                "line_id": line_id,
                "atc_code": atc,
                "reserved_ddd_per_day": float(reserved),
                "response_days": response,
                "annual_fee": float(fee),
                "valid_from": dt.date.fromisoformat(start),
                "valid_until": dt.date.fromisoformat(until),
                "offer_id": offer,
            }
        )


# --- trade and industry ---------------------------------------------------------------------------
TRADE_YEARS = tuple(range(2015, 2026))
#: Illustrative export series (NOK billion, all partners) by HS code: (first year, last year,
#: value in 2015 or the first year, value in 2020, value in 2025). Chapter-30 exports are
#: NOK 15.0 billion in 2020 (the source text's "about NOK 15 billion").
EXPORTS: dict[str, tuple[int, int, float, float, float]] = {
    "30063000": (2015, 2025, 6.0, 7.0, 9.5),  # X-ray contrast media
    "30049000": (2015, 2025, 3.0, 4.0, 5.5),  # medicaments in doses, other
    "30023000": (2015, 2021, 1.6, 2.6, 2.9),  # veterinary vaccines (HS 2017)
    "30024200": (2022, 2025, 3.0, 3.0, 3.6),  # veterinary vaccines (HS 2022)
    "30021500": (2017, 2025, 0.4, 0.6, 1.0),  # immunological products in doses
    "30043900": (2015, 2025, 0.5, 0.8, 1.2),  # hormones in doses, other
    "90189000": (2015, 2025, 1.6, 2.0, 2.6),  # medical instruments, other
    "90221400": (2015, 2025, 0.3, 0.4, 0.5),  # X-ray apparatus for medical use
    "38220000": (2015, 2021, 0.9, 1.2, 1.3),  # diagnostic reagents (HS 2017)
    "38221900": (2022, 2025, 1.3, 1.3, 1.5),  # diagnostic reagents, other (HS 2022)
}
IMPORTS: dict[str, tuple[int, int, float, float, float]] = {
    "30049000": (2015, 2025, 14.0, 18.0, 24.0),
    "30021500": (2017, 2025, 3.0, 5.0, 9.0),
    "30022000": (2015, 2021, 0.8, 1.0, 3.5),  # human vaccines (HS 2017)
    "30024100": (2022, 2025, 2.0, 2.0, 1.4),  # human vaccines (HS 2022)
    "30023000": (2015, 2021, 0.3, 0.4, 0.45),
    "30024200": (2022, 2025, 0.45, 0.45, 0.5),
    "30063000": (2015, 2025, 0.3, 0.35, 0.4),
    "30043900": (2015, 2025, 1.0, 1.2, 1.5),
    "90189000": (2015, 2025, 3.0, 4.0, 5.5),
    "90221400": (2015, 2025, 0.6, 0.8, 1.0),
    "38220000": (2015, 2021, 1.5, 3.0, 2.6),
    "38221900": (2022, 2025, 2.2, 2.2, 2.5),
}
#: Destination shares of exports by HS code (illustrative): contrast media worldwide, fish
#: vaccines to the salmon-farming countries, medicaments to the Nordic neighbours.
DESTINATIONS: dict[str, dict[str, float]] = {
    "30063000": {"US": 0.22, "CN": 0.12, "DE": 0.10, "JP": 0.08, "GB": 0.06, "FR": 0.06},
    "30023000": {"CL": 0.35, "GB": 0.15, "FO": 0.10, "CA": 0.08, "IS": 0.04},
    "30024200": {"CL": 0.35, "GB": 0.15, "FO": 0.10, "CA": 0.08, "IS": 0.04},
    "30049000": {"SE": 0.25, "DK": 0.15, "DE": 0.10, "FI": 0.08, "US": 0.05},
}
#: Mainland goods (all goods excl. crude oil, natural gas, ships and platforms), 2020, NOK
#: billion: exports are 58 % of imports as the source text states; levels illustrative.
MAINLAND_2020 = {"export": 420.0, "import": 420.0 / 0.58}
MAINLAND_CODE = "00"
TRADE_SOURCE = "illustrative (shaped like SSB 08801)"


def _series_value(spec: tuple[int, int, float, float, float], year: int) -> float | None:
    """Piecewise-geometric path through the first-year, 2020 and 2025 values (NOK billion)."""
    first, last, v0, v20, v25 = spec
    if not first <= year <= last:
        return None
    if year <= 2020:
        if first >= 2020:
            return v20
        return v0 * (v20 / v0) ** ((year - first) / (2020 - first))
    if first > 2020:  # code introduced later: v0 is its first-year value
        if last == first:
            return v0
        return v0 * (v25 / v0) ** ((year - first) / (2025 - first))
    end = min(last, 2025)
    return v20 * (v25 / v20) ** ((year - 2020) / (end - 2020)) if end > 2020 else v20


def build_trade(world: World) -> None:
    """trade.csv: the illustrative health-industry trade series; industry.csv."""
    rows = world.tables["trade"]
    for flow, table in (("export", EXPORTS), ("import", IMPORTS)):
        for code, spec in table.items():
            rng = _rng("trade", flow, code)
            for year in TRADE_YEARS:
                value = _series_value(spec, year)
                if value is None:
                    continue
                noise = 1.0 if year == 2020 else float(rng.normal(1.0, 0.03))
                total = round(value * noise * 1e9, -5)
                rows.append(
                    {
                        "period": str(year),
                        "hs_code": code,
                        "flow": flow,
                        "partner_country": "ZZ",
                        "value": total,
                        "source": TRADE_SOURCE,
                    }
                )
                if flow == "export" and code in DESTINATIONS:
                    for country, share in DESTINATIONS[code].items():
                        part = share * float(rng.uniform(0.9, 1.1))
                        rows.append(
                            {
                                "period": str(year),
                                "hs_code": code,
                                "flow": flow,
                                "partner_country": country,
                                "value": round(total * part, -5),
                                "source": TRADE_SOURCE,
                            }
                        )
    for flow, value in MAINLAND_2020.items():
        rows.append(
            {
                "period": "2020",
                "hs_code": MAINLAND_CODE,
                "flow": flow,
                "partner_country": "ZZ",
                "value": round(value * 1e9, -6),
                "source": "illustrative: all goods, mainland Norway; exports 58 % of imports "
                "(LO et al. 2021)",
            }
        )
    # industry.csv: 2020 from the source text; other years illustrative, exports following the
    # chapter-30 series above.
    chapter30 = {
        year: sum(
            r["value"]
            for r in rows
            if r["flow"] == "export"
            and r["partner_country"] == "ZZ"
            and r["hs_code"].startswith("30")
            and r["period"] == str(year)
        )
        for year in TRADE_YEARS
    }
    rng = _rng("industry")
    for year in TRADE_YEARS:
        if year == 2020:
            companies, employees, exports = 12, 2680, 15.0e9
            source = (
                "LMI, Legemiddelproduksjon i Norge (7 July 2020): 12 companies, just under "
                "2,700 employees, about NOK 15 billion exports"
            )
        else:
            companies = 12 if 2018 <= year <= 2022 else (11 if year < 2018 else 13)
            employees = round(2680 * (1 + 0.025 * (year - 2020)) + rng.normal(0, 25))
            exports = round(chapter30[year] * float(rng.uniform(0.97, 1.03)), -7)
            source = "illustrative"
        world.tables["industry"].append(
            {
                "year": year,
                "companies": companies,
                "employees": employees,
                "exports_value": exports,
                "source": source,
                # illustrative: about half the employees with higher education, slowly rising
                "higher_education_share": round(
                    0.52 + 0.007 * (year - 2015) + float(rng.normal(0, 0.004)), 3
                ),
            }
        )


# --- the four measures: trials, procurement, investments ------------------------------------------
TRIAL_YEARS = tuple(range(2016, 2027))
#: Industry-sponsored trials started a year. 2019 and 2020 are the figures Inven2 reported for
#: the trials industry applied to start (73 and 72, via HealthTalk 2021); the other years are
#: illustrative, flat as Inven2 reported the level to be since (HealthTalk 2025). 2026 runs to
#: the as-of date (ten months).
INDUSTRY_TRIALS: dict[int, int] = {
    2016: 79, 2017: 77, 2018: 75, 2019: 73, 2020: 72, 2021: 70,
    2022: 73, 2023: 75, 2024: 74, 2025: 76, 2026: 63,
}  # fmt: skip
#: Academic (hospital and university) trials started a year: illustrative, rising slowly after
#: the national action plan for clinical trials (2021).
ACADEMIC_TRIALS: dict[int, int] = {
    2016: 112, 2017: 115, 2018: 117, 2019: 119, 2020: 120, 2021: 124,
    2022: 131, 2023: 137, 2024: 143, 2025: 150, 2026: 128,
}  # fmt: skip
TRIAL_PHASES = {
    "industry": (
        ("phase1", 0.10), ("phase1_2", 0.05), ("phase2", 0.25), ("phase2_3", 0.05),
        ("phase3", 0.50), ("phase4", 0.05),
    ),
    "academic": (
        ("phase1", 0.05), ("phase2", 0.20), ("phase3", 0.15), ("phase4", 0.20),
        ("not_applicable", 0.30), ("unknown", 0.10),
    ),
}  # fmt: skip
TRIAL_SOURCE = "illustrative (shaped like ClinicalTrials.gov and CTIS records)"
#: The EU's clinical trials regulation: new drug trials are registered in CTIS from 2023.
CTIS_FROM = 2023


def build_trials(world: World) -> None:
    """trials.csv: illustrative trials with a Norwegian site (:data:`INDUSTRY_TRIALS`).

    Industry trials from 2023 are in CTIS, and two in five of them also in ClinicalTrials.gov
    with the EU CT number (counted once); academic drug trials from 2023 in CTIS, the others
    (and everything before 2023) in ClinicalTrials.gov. A few government- and other-sponsored
    trials a year.
    """
    sponsors = sorted(c.name for c in FOREIGN if c.kind in ("originator", "biosimilar", "generic"))
    serial = 0
    for year in TRIAL_YEARS:
        last_day = (AS_OF - dt.timedelta(days=1)) if year == AS_OF.year else dt.date(year, 12, 31)
        span = (last_day - dt.date(year, 1, 1)).days + 1
        kinds = [
            ("industry", INDUSTRY_TRIALS[year]),
            ("academic", ACADEMIC_TRIALS[year]),
            ("government", 5),
            ("other", 3),
        ]
        for kind, count in kinds:
            rng = _rng("trials", year, kind)
            phases = TRIAL_PHASES.get(kind, TRIAL_PHASES["academic"])
            names = [p for p, _ in phases]
            weights = np.array([w for _, w in phases])
            for _ in range(count):
                serial += 1
                phase = str(rng.choice(names, p=weights / weights.sum()))
                start = dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, span)))
                sponsor = (
                    str(rng.choice(sponsors))
                    if kind == "industry"
                    else {
                        "academic": f"University hospital {'ABCDE'[int(rng.integers(0, 5))]}",
                        "government": "Public health agency",
                        "other": "Patient organisation",
                    }[kind]
                )
                drug = phase != "not_applicable"
                in_ctis = year >= CTIS_FROM and drug and kind in ("industry", "academic")
                ct_number = f"{year}-9{serial:05d}-{int(rng.integers(10, 99))}-00"
                row = {
                    "title": f"Illustrative {phase.replace('_', '/')} trial ({kind})",
                    "phase": phase,
                    "sponsor": sponsor,
                    "sponsor_type": kind,
                    "start_date": start,
                    "sites_in_country": int(rng.integers(1, 5 if kind == "industry" else 7)),
                    "status": "illustrative",
                    "enrollment": int(
                        rng.integers(50, 800) if kind == "industry" else rng.integers(20, 500)
                    ),
                    "source": TRIAL_SOURCE,
                }
                if in_ctis:
                    world.tables["trials"].append(
                        {**row, "registry": "ctis", "trial_id": ct_number}
                    )
                if not in_ctis or (kind == "industry" and rng.random() < 0.4):
                    world.tables["trials"].append(
                        {
                            **row,
                            "registry": "ctgov",
                            "trial_id": f"NCT9{serial:07d}",
                            "eu_ct_number": ct_number if in_ctis else None,
                        }
                    )


PROCUREMENT_YEARS = tuple(range(2019, 2027))
#: Share of a group's market value bought in public (hospital) tenders: assumption, high for the
#: groups used mostly in hospitals.
HOSPITAL_GROUPS = ("B01", "B02", "B05", "J01", "J02", "J05", "J06", "J07", "L01", "L02", "L04",
                   "M03", "N01", "V03", "V08")  # fmt: skip
PROCUREMENT_SOURCE = "illustrative (shaped like Sykehusinnkjøp's LIS tender results)"


def build_procurement(world: World) -> None:
    """procurement.csv: per year and ATC level-2 group, the public contract value won by
    domestic production and by the others (two awards), illustrative.

    Value = the group's market value (demand × 365 × price per DDD) × 80 % for the hospital
    groups (:data:`HOSPITAL_GROUPS`), 20 % for the others. Domestic production can win at most
    the demand its qualified lines cover; it wins a share of that rising from 40 % in 2019 by
    2 points a year (illustrative).
    """
    producers = {p.company.company_id for p in PRODUCERS}
    line_owner = {r["line_id"]: r["company_id"] for r in world.tables["lines"]}
    domestic_cap: dict[str, dict[str, float]] = {}
    for cap in world.tables["capabilities"]:
        if cap["qualified"] and line_owner[cap["line_id"]] in producers:
            by_company = domestic_cap.setdefault(cap["atc_code"], {})
            owner = line_owner[cap["line_id"]]
            by_company[owner] = by_company.get(owner, 0.0) + cap["capacity_ddd_per_day"]
    price: dict[str, float] = {}
    share_sum: dict[str, float] = {}
    holder_value: dict[str, dict[str, float]] = {}
    for prod in world.tables["products"]:
        atc = prod["atc_code"]
        per_ddd = prod["price_per_pack"] / prod["ddd_per_pack"]
        price[atc] = price.get(atc, 0.0) + per_ddd * prod["market_share"]
        share_sum[atc] = share_sum.get(atc, 0.0) + prod["market_share"]
        if prod["ma_holder_id"] not in producers:
            group = holder_value.setdefault(atc[:3], {})
            group[prod["ma_holder_id"]] = (
                group.get(prod["ma_holder_id"], 0.0) + prod["market_share"] * per_ddd
            )
    groups: dict[str, dict[str, float]] = {}
    for d in world.tables["demand"]:
        atc = d["atc_code"]
        if share_sum.get(atc, 0) <= 0:
            continue
        per_ddd = price[atc] / share_sum[atc]
        value = d["ddd_per_day"] * 365 * per_ddd
        caps = domestic_cap.get(atc, {})
        coverable = min(sum(caps.values()), d["ddd_per_day"]) / max(d["ddd_per_day"], 1e-9)
        g = groups.setdefault(atc[:3], {"value": 0.0, "domestic": 0.0})
        g["value"] += value
        g["domestic"] += value * coverable
        for owner, capacity in caps.items():
            g[f"cap:{owner}"] = g.get(f"cap:{owner}", 0.0) + capacity
    for year in PROCUREMENT_YEARS:
        uptake = 0.40 + 0.02 * (year - 2019)
        for group, g in sorted(groups.items()):
            rng = _rng("procurement", year, group)
            public = 0.8 if group in HOSPITAL_GROUPS else 0.2
            total = g["value"] * public * float(rng.lognormal(0.0, 0.05))
            won = g["domestic"] * public * uptake * float(rng.lognormal(0.0, 0.1))
            won = min(won, total)
            owners = sorted((k[4:], v) for k, v in g.items() if k.startswith("cap:"))
            if won >= 1e5 and owners:
                winner = max(owners, key=lambda kv: (kv[1], kv[0]))[0]
                world.tables["procurement"].append(
                    {
                        "award_id": f"LIS-{year}-{group}-D",
                        "year": year,
                        "atc_code": group,
                        "value": round(won, -3),
                        "company_id": winner,
                        "buyer": "Sykehusinnkjøp HF (LIS)",
                        "tender": f"LIS {group} {year}",
                        "source": PROCUREMENT_SOURCE,
                    }
                )
            else:
                won = 0.0
            rest = total - won
            holders = holder_value.get(group, {})
            if rest >= 1e5:
                supplier = (
                    max(sorted(holders.items()), key=lambda kv: kv[1])[0] if holders else None
                )
                world.tables["procurement"].append(
                    {
                        "award_id": f"LIS-{year}-{group}-F",
                        "year": year,
                        "atc_code": group,
                        "value": round(rest, -3),
                        "company_id": supplier,
                        "buyer": "Sykehusinnkjøp HF (LIS)",
                        "tender": f"LIS {group} {year}",
                        "source": PROCUREMENT_SOURCE,
                    }
                )


#: The producer's price as a share of the pharmacy purchase price (AIP) per DDD: wholesaler
#: margins and tender discounts (assumption).
PRODUCER_PRICE_SHARE = (0.55, 0.75)
#: Real cost of capital and tax of the investment case's defaults (beredt.plan.cashflow), used
#: to size the illustrative capital expenditure around the market-only break-even.
_SIZING_RATE, _SIZING_TAX = 0.07, 0.22
INVESTMENT_SOURCE = "illustrative (sized around break-even without an agreement)"


def build_investments(world: World) -> None:
    """investments.csv and investment_substances.csv: for every valid offer not yet agreed, the
    line a producer would build or extend to honour it (illustrative figures).

    Capacity 1.6-2.4 × the reserved capacity; normal domestic sales 15-35 % and exports
    10-40 % of it; the producer's price 55-75 % of the pharmacy purchase price per DDD (exports
    80-100 % of that); unit cost from the line's capability. Fixed cost a quarter of the
    yearly margin; life 12-15 years; building 1-2 years (+ 120 days where the line is not
    yet qualified). The capital expenditure is the present value (7 % real, 22 % tax) of the
    after-tax margin times 0.8-1.3 plus that of the offered fee times 0.2-1.1: some lines pay
    without an agreement, most need part of the fee, some more than is offered.
    """
    caps = {(c["line_id"], c["atc_code"]): c for c in world.tables["capabilities"]}
    lines = {r["line_id"]: r for r in world.tables["lines"]}
    agreed = {a["offer_id"] for a in world.tables["agreements"] if a["offer_id"]}
    price: dict[str, float] = {}
    shares: dict[str, float] = {}
    for prod in world.tables["products"]:
        atc = prod["atc_code"]
        price[atc] = (
            price.get(atc, 0.0)
            + prod["price_per_pack"] / prod["ddd_per_pack"] * prod["market_share"]
        )
        shares[atc] = shares.get(atc, 0.0) + prod["market_share"]
    for offer in world.tables["offers"]:
        if offer["offer_id"] in agreed or not offer["valid_from"] <= AS_OF <= offer["valid_until"]:
            continue
        rng = _rng("investment", offer["offer_id"])
        cap = caps[(offer["line_id"], offer["atc_code"])]
        line = lines[offer["line_id"]]
        atc = offer["atc_code"]
        aip = price[atc] / shares[atc] if shares.get(atc) else 10.0
        capacity = _sig2(offer["reserved_ddd_per_day"] * float(rng.uniform(1.6, 2.4)))
        domestic = _sig2(capacity * float(rng.uniform(0.15, 0.35)))
        export = _sig2(capacity * float(rng.uniform(0.10, 0.40)))
        unit_cost = float(cap["unit_cost_per_ddd"])
        producer_price = _sig2(
            max(aip * float(rng.uniform(*PRODUCER_PRICE_SHARE)), unit_cost * 1.3)
        )
        export_price = _sig2(producer_price * float(rng.uniform(0.8, 1.0)))
        margin = 365 * (
            domestic * (producer_price - unit_cost) + export * (export_price - unit_cost)
        )
        fixed = round(0.25 * margin, -4)
        life = int(rng.integers(12, 16))
        build = int(rng.integers(365, 731)) + (0 if cap["qualified"] else 120)
        years = np.arange(1, life + 1) + build / 365
        annuity = float(((1 + _SIZING_RATE) ** -years).sum())
        capex = round(
            (margin - fixed) * (1 - _SIZING_TAX) * annuity * rng.uniform(0.8, 1.3)
            + offer["annual_fee"] * (1 - _SIZING_TAX) * annuity * rng.uniform(0.2, 1.1),
            -5,
        )
        iid = f"INV-{offer['offer_id'].removeprefix('OF-')}"
        world.tables["investments"].append(
            {
                "investment_id": iid,
                "company_id": line["company_id"],
                "name": f"Extension of {line['name'].lower()} for {world.by_atc[atc].name}",
                "capex": max(capex, 2e6),
                "build_days": build,
                "life_years": life,
                "fixed_cost_per_year": fixed,
                "line_id": offer["line_id"],
                "offer_id": offer["offer_id"],
                "ramp_days": line["ramp_days"],
                "salvage_value": 0.0,
                "source": INVESTMENT_SOURCE,
            }
        )
        world.tables["investment_substances"].append(
            {
                "investment_id": iid,
                "atc_code": atc,
                "capacity_ddd_per_day": capacity,
                "unit_cost_per_ddd": unit_cost,
                "domestic_ddd_per_day": domestic,
                "export_ddd_per_day": export,
                "price_per_ddd": producer_price,
                "export_price_per_ddd": export_price,
            }
        )


# --- the bundle -----------------------------------------------------------------------------------
SOURCES: tuple[Source, ...] = (
    Source(
        "WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index 2025",
        "https://atcddd.fhi.no/atc_ddd_index/",
        "ATC codes and DDDs of the substances (a cited excerpt; assumed DDDs marked).",
        "ATC-koder og DDD for virkestoffene (et sitert utdrag; antatte DDD er merket).",
    ),
    Source(
        "WHO Model List of Essential Medicines, 23rd list (2023)",
        "https://www.who.int/publications/i/item/WHO-MHP-HPS-EML-2023.02",
        "who_essential.",
    ),
    Source(
        "FHI, Legemiddelforbruket i Norge (Drug Consumption in Norway) and the Norwegian "
        "Prescription Database (Reseptregisteret)",
        "https://www.fhi.no/he/legemiddelbruk/",
        "DDD per 1,000 inhabitants per day by substance and ATC group, rounded.",
        "DDD per 1 000 innbyggere per dag etter virkestoff og ATC-gruppe, avrundet.",
    ),
    Source(
        "NORM/NORM-VET 2022: Usage of antimicrobial agents and occurrence of antimicrobial "
        "resistance in Norway",
        "https://www.fhi.no/publ/2023/norm-og-norm-vet-rapporten/",
        "Antibacterial sales in DDD per 1,000 inhabitants per day, rounded.",
        "Salg av antibakterielle midler i DDD per 1 000 innbyggere per dag, avrundet.",
    ),
    Source(
        "Legemiddelverket (Norwegian Medical Products Agency): Legemiddelmangel - årsaker og tiltak",
        "https://www.legemiddelverket.no/legemiddelmangel",
        "1,579 shortage notices in 2022; reported causes.",
        "1 579 mangelmeldinger i 2022; oppgitte årsaker.",
    ),
    Source(
        "Forskrift om grossistvirksomhet med legemidler (grossistforskriften) § 5",
        "https://lovdata.no/forskrift/1993-12-21-1219",
        "Wholesalers' preparedness stock: two months of ordinary turnover for listed products.",
        "Grossistenes beredskapslager: to måneders ordinær omsetning for listede produkter.",
    ),
    Source(
        "Pro Generika / MundiCare (2020): Where do our active ingredients come from?",
        "https://www.progenerika.de/studies/where-do-our-active-ingredients-come-from/?lang=en",
        "63 % of CEPs for generic APIs held in Asia, over 80 % of those in India and China.",
        "63 % av CEP-ene for generiske virkestoff eies i Asia, over 80 % av dem i India og Kina.",
    ),
    Source(
        "LMI (Legemiddelindustrien): Legemiddelproduksjon i Norge (7 July 2020)",
        None,
        "12 producing companies, just under 2,700 employees, about NOK 15 billion exports; "
        "ambition to double the health industry's export revenue by 2025.",
        "12 produserende selskaper, knapt 2 700 ansatte, om lag 15 milliarder kroner i eksport; "
        "mål om å doble helsenæringens eksportinntekter innen 2025.",
    ),
    Source(
        "LO, NHO et al.: Stort potensial for eksport av norsk helseindustri (2021)",
        None,
        "Mainland goods exports are only 58 % of goods imports.",
        "Fastlandets vareeksport er bare 58 % av vareimporten.",
    ),
    Source(
        "Beredt sample generator (scripts/make_sample_no.py)",
        None,
        "ILLUSTRATIVE: companies, MA holders, sites, products, prices, market shares, stock, "
        "shortage notices, production lines, capacities, offers, agreements and the trade "
        "series are generated, not real company data. See SOURCES.md.",
        "ILLUSTRATIVT: selskaper, innehavere av markedsføringstillatelse, fabrikker, produkter, "
        "priser, markedsandeler, lager, mangelmeldinger, produksjonslinjer, kapasiteter, tilbud, "
        "avtaler og handelsseriene er generert, ikke virkelige selskapsdata. Se SOURCES.md.",
    ),
)
TITLE = (
    "Norwegian national sample: real ATC codes, WHO DDDs and published consumption; "
    "illustrative companies, sites, stock and capacities"
)
TITLE_NB = (
    "Norsk nasjonalt utvalg: ekte ATC-koder, WHO-DDD og publisert forbruk; illustrative "
    "selskaper, fabrikker, lager og kapasiteter"
)
STEMS = (
    "countries",
    "companies",
    "substances",
    "sites",
    "products",
    "supply",
    "demand",
    "stock",
    "shortages",
    "lines",
    "capabilities",
    "offers",
    "agreements",
    "levers",
    "trade",
    "industry",
    "trials",
    "procurement",
    "investments",
    "investment_substances",
)

#: Exemption import (godkjenningsfritak, legemiddelforskriften § 2-6) by ATC scope: share of
#: mean demand a day importable, lead days, price premium. Assumptions: Legemiddelverket reports
#: that most shortages are bridged by exemption imports or switching; half of demand within two
#: weeks is assumed for ordinary medicines, less and later where few manufacturers serve the
#: world market (insulins, cytostatics, anaesthetics, immunoglobulins) or the product is bulky
#: (IV fluids, parenteral nutrition, contrast media).
LEVERS: tuple[tuple[str, float, int, float], ...] = (
    ("*", 0.5, 14, 0.5),
    ("A10A", 0.3, 21, 0.5),
    ("B05", 0.2, 21, 0.5),
    ("J06", 0.2, 28, 0.5),
    ("L01", 0.3, 14, 0.5),
    ("N01", 0.3, 14, 0.5),
    ("V08", 0.2, 21, 0.5),
)
LEVER_SOURCE = "assumption (see SOURCES.md: exemption import)"


def build_levers(world: World) -> None:
    """levers.csv: exemption import by ATC scope (:data:`LEVERS`)."""
    for scope, share, lead, premium in LEVERS:
        world.tables["levers"].append(
            {
                "scope": scope,
                "exemption_import_share": share,
                "exemption_import_lead_days": lead,
                "exemption_import_price_premium": premium,
                "source": LEVER_SOURCE,
            }
        )


def build_world() -> World:
    """Generate every table."""
    specs = parse_table(TABLE)
    world = World(
        tables={stem: [] for stem in STEMS},
        substances=specs,
        by_atc={s.atc: s for s in specs},
        companies={},
        site_rows={},
        api_sites_by_country={},
        fdf_sites_of={},
        sterile_sites=set(),
        product_meta={},
    )
    build_companies_and_sites(world)
    build_demand(world)
    build_products(world)
    build_stock(world)
    build_shortages(world)
    build_domestic(world)
    build_levers(world)
    build_trade(world)
    build_trials(world)
    build_procurement(world)
    build_investments(world)
    calibrate_hazards(world)
    return world


def calibrate_hazards(world: World) -> None:
    """Replace the assumed hazards by those ``beredt calibrate`` fits to the generated record.

    The record (shortages.csv) was drawn with the assumed site hazards above; it is the evidence
    and stays as it is. The shipped hazards of sites, packs, substances and countries are the
    calibrated ones, so the sample is internally consistent (docs/calibration.md).
    """
    from beredt.calibrate import calibrate
    from beredt.domain.dataset import build_dataset

    world.assumed_countries = {
        r["country"]: (r["export_restriction_hazard_per_year"], r["export_restriction_mean_days"])
        for r in world.tables["countries"]
    }
    result = calibrate(build_dataset(build_bundle(world)))
    keys = {
        "sites": "site_id",
        "products": "product_id",
        "substances": "atc_code",
        "countries": "country",
    }
    for stem, rows in result.tables().items():
        by_key = {r[keys[stem]]: r for r in rows}
        for row in world.tables[stem]:
            row.update(by_key[row[keys[stem]]])
    world.calibration = result


def build_bundle(world: World | None = None) -> Bundle:
    """The sample bundle (metadata and tables)."""
    world = world or build_world()
    meta = BundleMeta(
        country="NO",
        currency="NOK",
        as_of=AS_OF,
        title=TITLE,
        title_nb=TITLE_NB,
        population=POPULATION,
        illustrative=True,
        sources=SOURCES,
    )
    return Bundle(meta=meta, tables={k: list(v) for k, v in world.tables.items()})


def write_sample(folder: str | Path = DEFAULT_OUT) -> list[Path]:
    """Write the bundle and SOURCES.md into `folder`; returns the files written."""
    world = build_world()
    bundle = build_bundle(world)
    target = Path(folder)
    written = write_bundle(bundle, target)
    sources = target / "SOURCES.md"
    sources.write_bytes(sources_markdown(world).encode("utf-8"))
    return [*written, sources]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``make_sample_no.py [FOLDER]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0]) if args else DEFAULT_OUT
    files = write_sample(folder)
    print(f"wrote {len(files)} files to {folder}")
    return 0


# --- SOURCES.md -------------------------------------------------------------------------------------
def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _calibration_lines(world: World) -> list[str]:
    """SOURCES.md lines on the calibrated hazards that the bundle ships."""
    cal = world.calibration
    expected = cal.expected_episodes_per_year
    pack = cal.source_durations["pack"]
    return [
        "### Calibrated hazards (shipped)",
        "",
        *textwrap.wrap(
            f"`sites.csv`, `products.csv`, `substances.csv` and `countries.csv` carry the hazards "
            f"`beredt calibrate` fits to the record: {cal.provenance}. The record shows no "
            "simultaneous notices on the products of a shared site (its packs were drawn "
            "independently), so the shared-site hazards are small (half an event over the "
            "record's site-years) and the notices are the packs' own outages "
            f"({cal.source_counts['pack']}) and substance-level ones "
            f"({cal.source_counts['substance']}). Expected episodes a year: packs "
            f"{expected['pack']:.1f}, substances {expected['substance']:.1f}, sites "
            f"{expected['site']:.1f}, country-wide export restrictions {expected['country']:.1f} "
            f"(a prior: no country-wide restriction in the record); recorded "
            f"{cal.recorded_episodes_per_year:.1f}. Pack outage durations: {pack.law}, median "
            f"{pack.median_days.value:.1f} days, mean {pack.mean_days.value:.1f} days.",
            width=90,
        ),
    ]


def sources_markdown(world: World) -> str:
    """SOURCES.md: the source of every figure or the assumption behind it, with summary counts."""
    t = world.tables
    subs = world.substances
    n_products = len(t["products"])
    crit = {c: sum(s.criticality == c for s in subs) for c in ("vital", "essential", "other")}
    assumed = [s for s in subs if s.assumed]
    shortages = t["shortages"]
    per_year: dict[int, int] = {}
    for r in shortages:
        per_year[r["announced_date"].year] = per_year.get(r["announced_date"].year, 0) + 1
    open_now = [r for r in shortages if r["status"] in ("announced", "ongoing")]
    expected_per_year = NOTICES_PER_PACK_YEAR * n_products
    # API concentration over the product-API links of multi-source generics.
    api_links: dict[str, int] = {}
    for r in t["supply"]:
        meta = world.product_meta[r["product_id"]]
        site = world.site_rows[r["site_id"]]
        if site["stage"] == "api" and meta["substance"].market == "G":
            api_links[site["country"]] = api_links.get(site["country"], 0) + 1
    n_api_links = sum(api_links.values())
    api_rows = [
        (c, n, _pct(n / n_api_links))
        for c, n in sorted(api_links.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    in_cn = (api_links.get("IN", 0) + api_links.get("CN", 0)) / n_api_links
    stock_by_tier: dict[str, int] = {}
    for r in t["stock"]:
        if r["kind"] == "count":
            stock_by_tier[r["tier"]] = stock_by_tier.get(r["tier"], 0) + 1
    valid_offers = [o for o in t["offers"] if o["valid_from"] <= AS_OF <= o["valid_until"]]
    active_agreements = [a for a in t["agreements"] if a["valid_from"] <= AS_OF <= a["valid_until"]]
    lines: list[str] = [
        "# Sources of the Norwegian sample bundle (`data/sample-no`)",
        "",
        "Generated by `scripts/make_sample_no.py` (seed "
        f"{SEED}); do not edit by hand — change the generator and run it again.",
        "",
        "**This bundle is illustrative.** The substances, their ATC codes and DDDs, the national",
        "consumption figures, the shortage rate and the industry figures of the source texts are",
        "real and cited below. Every company, marketing-authorisation holder, manufacturing site,",
        "product, price, market share, stock figure, shortage notice, production line, capacity,",
        "offer, agreement and the trade series is generated: the names are fictional and the",
        "numbers are not company data. `bundle.toml` says `illustrative = true`.",
        "",
        "## Contents",
        "",
        *_table(
            ["table", "rows", "what"],
            [
                (
                    "substances.csv",
                    len(subs),
                    f"{crit['vital']} vital, {crit['essential']} essential, {crit['other']} other; "
                    f"{len(subs) - len(assumed)} WHO DDDs, {len(assumed)} assumed; "
                    f"{sum(s.who_essential for s in subs)} on the WHO EML",
                ),
                (
                    "demand.csv",
                    len(t["demand"]),
                    "national consumption for 5.5 million inhabitants",
                ),
                ("products.csv", n_products, "1-6 fictional packs per substance"),
                (
                    "companies.csv",
                    len(t["companies"]),
                    f"{len(PRODUCERS)} domestic producers, {len(WHOLESALERS)} wholesalers, "
                    "foreign MA holders and API makers (all fictional)",
                ),
                ("sites.csv", len(t["sites"]), "API and finished-dose sites by country"),
                ("supply.csv", len(t["supply"]), "which sites make which pack"),
                ("countries.csv", len(t["countries"]), "export-restriction hazards"),
                (
                    "stock.csv",
                    len(t["stock"]),
                    ", ".join(f"{k} {v}" for k, v in sorted(stock_by_tier.items()))
                    + f" counts on {COUNT_DATE}, plus movements",
                ),
                (
                    "shortages.csv",
                    len(shortages),
                    f"{HISTORY_START} to {AS_OF}; {len(open_now)} open on the as-of date",
                ),
                ("lines.csv", len(t["lines"]), "production lines of the 12 domestic producers"),
                ("capabilities.csv", len(t["capabilities"]), "what each line can make"),
                ("offers.csv", len(t["offers"]), f"{len(valid_offers)} valid on {AS_OF}"),
                (
                    "agreements.csv",
                    len(t["agreements"]),
                    f"{len(active_agreements)} active on {AS_OF}",
                ),
                ("trade.csv", len(t["trade"]), "illustrative trade series 2015-2025"),
                ("industry.csv", len(t["industry"]), "industry figures 2015-2025"),
                (
                    "trials.csv",
                    len(t["trials"]),
                    f"illustrative trials with a Norwegian site {TRIAL_YEARS[0]}-{AS_OF.year}",
                ),
                (
                    "procurement.csv",
                    len(t["procurement"]),
                    f"illustrative hospital tender awards {PROCUREMENT_YEARS[0]}-"
                    f"{PROCUREMENT_YEARS[-1]}",
                ),
                (
                    "investments.csv",
                    len(t["investments"]),
                    "illustrative line investments behind the valid offers",
                ),
                (
                    "investment_substances.csv",
                    len(t["investment_substances"]),
                    "what each investment's line makes",
                ),
            ],
        ),
        "",
        "## Substances, ATC codes and DDDs",
        "",
        "* ATC codes, names and DDDs: WHO Collaborating Centre for Drug Statistics Methodology,",
        "  *ATC/DDD Index 2025* (https://atcddd.fhi.no/atc_ddd_index/). The rows are a cited",
        "  excerpt typed for this sample; the project ships no copy of the index. Check them",
        "  against your licensed copy of the index with the WHO ATC/DDD importer. `ddd_note`",
        "  holds the route of a WHO DDD (WHO administration-route codes).",
        "* `ddd_source = assumed` where WHO sets no DDD (infusion solutions, parenteral",
        "  nutrition, anaesthetics, neuromuscular blockers, antidotes, contrast media,",
        "  antineoplastic agents of L01, immunoglobulins, unit-dose combinations); the assumption",
        "  is in `ddd_note` and listed below.",
        "* `who_essential`: WHO Model List of Essential Medicines, 23rd list (2023). Medicines",
        "  that are only therapeutic alternatives to a square-boxed listed medicine count as not",
        "  listed.",
        "* `criticality` (assumption, by the rule in the generator): vital = a gap costs lives",
        "  within days and there is no equivalent substitute (insulins, IV fluids and",
        "  electrolytes, anaesthetics, injectable first-line antibiotics, antiepileptics,",
        "  cytostatics, antidotes, vasopressors, anticoagulants); essential = chronic or",
        "  first-line treatment with some room to switch; other = the rest.",
        "",
        "### Assumed DDDs",
        "",
        *_table(
            ["ATC", "substance", "DDD", "assumption"],
            [(s.atc, s.name, f"{s.ddd:g} {s.unit}", s.note) for s in assumed],
        ),
        "",
        "## Demand",
        "",
        f"`ddd_per_day` = DDD per 1,000 inhabitants per day × {POPULATION // 1000:,} "
        "(population 5.5 million). The basis of each figure:",
        "",
        *[f"* **{k}**: {v}." for k, v in BASIS_TEXT.items()],
        "",
        "Published figures (F, N) are rounded to one or two significant digits at their",
        "2019-2023 level from FHI's yearly *Legemiddelforbruket i Norge* (wholesale statistics,",
        "which include hospital and over-the-counter sales), the Norwegian Prescription Database",
        "and NORM 2022; they were typed for this sample, so treat them as the right order of",
        "magnitude and check the current edition before quoting one. Hospital figures (H) are",
        "assumptions: patients or procedures a day (e.g. about 1,000 CT examinations with",
        "iodinated contrast a day; about 1,400 general anaesthesias a day; for cytostatics the",
        "number of patients on treatment, since 1 assumed DDD = one patient-day on a cycle).",
        "",
        "Seasonality (assumption): oral antibiotics amplitude 0.25 with the peak on day 20",
        "(January), injectable antibiotics 0.10; inhaled respiratory medicines 0.15; nasal",
        "decongestants and mucolytics 0.35; oral antihistamines and nasal corticosteroids 0.45",
        "with the peak on day 140 (birch pollen in May); oseltamivir 0.9 (influenza season);",
        "paracetamol 0.10. Daily coefficient of variation 0.05 for chronic medicines, 0.12 for",
        "hospital medicines, 0.2 for oral antibiotics.",
        "",
        *_table(
            [
                "ATC",
                "substance",
                "DDD",
                "DDD source",
                "criticality",
                "EML",
                "DDD/1000/day",
                "basis",
                "DDD/day",
            ],
            [
                (
                    s.atc,
                    s.name,
                    f"{s.ddd:g} {s.unit}",
                    "assumed" if s.assumed else "WHO",
                    s.criticality,
                    "yes" if s.who_essential else "",
                    f"{s.ddd_per_1000_per_day:g}",
                    s.basis,
                    f"{s.demand_ddd_per_day:,.0f}",
                )
                for s in subs
            ],
        ),
        "",
        "## Products, companies and sites (illustrative)",
        "",
        "* Packs: 1-6 per substance; multi-source generics 2-6 (more for high-volume",
        "  substances), branded 1-2, hospital tenders 1-3 with one winner holding 65-90 %,",
        "  biologicals 2-3. Shares are drawn so that the sample's packs cover 90-100 % of the",
        "  substance's demand (the rest: packs outside the sample). Pack contents follow the",
        "  dosage form; `ddd_per_pack` uses the substance's DDD for every route.",
        "* Prices (pharmacy purchase price, NOK per DDD, illustrative levels with ±25 % noise):",
        "  high-volume generics 0.8, other generics 1.8, generic injectables 20, hospital",
        "  products 60, branded 15, biologicals 100-2,500, IV fluids 25 per litre, parenteral",
        "  nutrition 600 per bag, contrast media 250-400 per examination.",
        "* Companies: fictional names. Norway has three full-line wholesalers (Alliance",
        "  Healthcare Norge, Apokjeden Distribusjon and Norsk Medisinaldepot); the sample uses",
        "  three fictional ones in their place with market shares 40/35/25 %.",
        "* API sites by substance class (assumption; `API_MIX` in the generator), scaled to",
        "  Pro Generika/MundiCare (2020): 63 % of the certificates of suitability (CEPs) for",
        "  generic APIs are held in Asia, more than 80 % of those in India and China. Beta-lactam",
        "  and heparin APIs are concentrated in China; iodinated contrast API partly in Norway",
        "  (a domestic API plant) and metformin API partly in Norway.",
        f"  Result for the multi-source generics: {_pct(in_cn)} of their links from a pack to",
        "  an API site are to sites in India or China:",
        "",
        *_table(["API country", "links", "share"], api_rows),
        "",
        "* Site outage hazards used to **generate the shortage record** (assumption): API plants",
        "  in India and China 0.35 a year for 60 days on average, elsewhere 0.15 for 40 days;",
        "  finished-dose plants 0.25/45 days (India, China) and 0.12/30 days (elsewhere); sterile",
        "  sites ×1.6 hazard and ×1.2 duration; domestic sites 0.10/14 days; each ±25 % per site.",
        "  A pack's notice rate is weighted by them. The **shipped** hazards are not these: they",
        "  are calibrated from the record (see *Calibrated hazards* below).",
        "",
        *_calibration_lines(world),
        "",
        "### Countries: export-restriction hazards used to generate the record (assumption)",
        "",
        "Anchored on events: India restricted exports of 26 APIs and formulations including",
        "paracetamol in March 2020; lockdowns in China in 2020 and 2022 halted API plants and",
        "ports; EU member states restricted exports and parallel exports of medicines in spring",
        "2020.",
        "",
        *_table(
            ["country", "name", "events/year", "mean days"],
            [
                (
                    r["country"],
                    r["name"],
                    *world.assumed_countries[r["country"]],
                )
                for r in t["countries"]
            ],
        ),
        "",
        "## Exemption import (assumption)",
        "",
        *textwrap.wrap(
            "`levers.csv` configures exemption import (godkjenningsfritak, legemiddelforskriften "
            "§ 2-6: packs authorised in another market, dispensed on an exemption) for the "
            "simulator, the optimiser and the response planner alike. Legemiddelverket reports "
            "that most shortages are bridged by exemption imports or by switching to another "
            "pack; the shares are assumptions: half of mean demand a day from two weeks after "
            "the gap begins for ordinary medicines, less and later where few manufacturers serve "
            "the world market or the product is bulky.",
            width=90,
        ),
        "",
        *_table(
            ["scope", "share of demand a day", "lead days", "price premium"],
            [(sc, sh, ld, pr) for sc, sh, ld, pr in LEVERS],
        ),
        "",
        "## Stock (illustrative)",
        "",
        f"Counts on {COUNT_DATE} plus 40 wholesaler positions with an issue on 2026-10-28 and a",
        f"receipt on 2026-10-30; the as-of date is {AS_OF}.",
        "",
        "* **Wholesale**: grossistforskriften § 5 obliges wholesalers to hold preparedness stock",
        "  of two months' ordinary turnover for listed products. Assumption: the list covers the",
        "  vital and essential substances; their packs hold 60-67 days of the pack's demand",
        "  (`source` says so), the other packs 10-35 days of cycle stock. Split over the three",
        "  wholesalers by market share; hospital packs through one or two wholesalers.",
        "* **Preparedness**: 75 % of the vital substances hold a national preparedness stock of",
        "  90-180 days (3-6 months) of national demand on their largest pack(s); holders",
        f'  "{PREPAREDNESS_HOLDER_OUTPATIENT}" (outpatient packs) and',
        f'  "{PREPAREDNESS_HOLDER_HOSPITAL}" (hospital packs).',
        "* **Hospital**: injectables, infusions and hospital products: 14-42 days of demand at",
        "  four regional hospital-pharmacy holders split by population (56/20/13/11 %).",
        "* **Pharmacy**: other packs, 7-21 days at the community pharmacies.",
        "* **Producer**: domestic producers hold 20-45 days of their own packs.",
        "",
        "## Shortage history (illustrative, at the national rate)",
        "",
        *textwrap.wrap(
            "Legemiddelverket received 1,579 shortage notices in 2022 (about 1,400-1,600 a year "
            f"in 2022-2023). Assuming about {NATIONAL_MARKETED_PACKS:,.0f} marketed packs, that "
            f"is {NOTICES_PER_PACK_YEAR:.2f} notices per pack and year; the sample's "
            f"{n_products} packs give about {expected_per_year:.0f} notices a year. Each pack's "
            "rate is weighted by the outage hazards of its sites. Durations are log-normal "
            f"(median {MEDIAN_SHORTAGE_DAYS:g} days, σ = {SHORTAGE_SIGMA}); announced 0-60 days "
            f"ahead; {_pct(CANCELLED_SHARE)} of announced notices are cancelled. Cause mix "
            "(assumption after the causes Legemiddelverket reports most often: production "
            "problems, delayed deliveries, increased sales): "
            + ", ".join(f"{k} {_pct(v)}" for k, v in CAUSE_MIX.items())
            + ". Four notices are modelled on reported events (paediatric antibiotic mixtures "
            "in winter 2022/23, ADHD medicines in 2023/24, GLP-1 analogues in 2023/24); their "
            "titles say so.",
            width=90,
        ),
        "",
        *_table(["year announced", "notices"], sorted(per_year.items())),
        "",
        f"Open on {AS_OF}: {len(open_now)} "
        f"({sum(r['status'] == 'ongoing' for r in open_now)} ongoing, "
        f"{sum(r['status'] == 'announced' for r in open_now)} announced).",
        "",
        "## Domestic production (illustrative)",
        "",
        "The source text counts 12 companies producing medicines in Norway. The sample has 12",
        "fictional producers whose profiles resemble Norway's landscape; lines, capacities,",
        "costs, response and ramp-up times and API stocks are illustrative.",
        "",
        *_table(
            ["producer", "profile", "lines", "capabilities (qualified)"],
            [
                (
                    p.company.name,
                    p.profile,
                    len(p.lines),
                    f"{sum(len(line.capabilities) for line in p.lines)} "
                    f"({sum(c.qualified for line in p.lines for c in line.capabilities)})",
                )
                for p in PRODUCERS
            ],
        ),
        "",
        "* `api_on_hand_ddd` = capacity × days of API held (0-120); `api_source_country` empty",
        "  where the API is made in-house (the metformin and contrast-media API plants, salts",
        "  and sugars of IV fluids).",
        "* Offers: for about 60 % of the capabilities of vital and essential substances that are",
        "  not under an active agreement: reserved capacity 30-60 % of the line's capacity;",
        "  response = the line's response time plus 90-180 days of qualification where the",
        "  capability is not yet qualified; annual fee = reserved × 365 × unit cost × 6-12 %",
        "  (stand-by share) + NOK 0.3-1.2 million (+ 1.5-4 million a year for qualification);",
        "  valid 2026-2028 (a tenth from 2027).",
        "* Agreements: six, one expired, one from an accepted 2025 offer.",
        "",
        "## Trade and industry figures",
        "",
        "* `industry.csv` 2020: LMI, *Legemiddelproduksjon i Norge* (7 July 2020): 12 producing",
        "  companies, just under 2,700 employees (2,680 here), about NOK 15 billion exports.",
        "  Other years are illustrative.",
        "* `trade.csv`: an illustrative series shaped like Statistics Norway's table 08801",
        "  (HS codes, NOK, all partners `ZZ` plus main destinations). Chapter-30 exports are",
        "  NOK 15.0 billion in 2020, consistent with the figure above; they grow to about NOK 21",
        "  billion in 2025, well short of the ambition to double the health industry's export",
        "  revenue by 2025 (LMI 2020). HS-2022 code changes are reflected (veterinary vaccines",
        "  30023000 → 30024200, human vaccines 30022000 → 30024100, diagnostic reagents",
        "  38220000 → 38221900).",
        "* `industry.csv` `higher_education_share`: illustrative (about half the employees,",
        "  rising slowly); no public series of the industry's education level is cited.",
        f"* Code `{MAINLAND_CODE}` (2020) is all goods of mainland Norway (excluding crude oil,",
        "  natural gas, ships and platforms): exports are 58 % of imports, the source text's",
        "  framing of the trade balance (LO et al. 2021); the levels are illustrative. It is not a",
        "  health-industry code, so commodity groups leave it unassigned.",
        "",
        "## The four measures (illustrative)",
        "",
        "* `trials.csv`: trials with a Norwegian site by the year they started. Industry-sponsored",
        "  trials: 73 in 2019 and 72 in 2020, the numbers of trials industry applied to start",
        "  that Inven2 reported (HealthTalk, 2021), and about as many since (Inven2 found the",
        "  level flat, HealthTalk 2025); the other years, the academic, government and other",
        "  trials, phases, sites and enrolment are illustrative. Registries: ClinicalTrials.gov",
        f"  before {CTIS_FROM}; from {CTIS_FROM} drug trials in CTIS (the EU clinical trials",
        "  regulation), two in five industry trials also in ClinicalTrials.gov with the EU CT",
        "  number (counted once). Trial numbers (`NCT9…`, `YYYY-9…`) are not real registrations.",
        "  The national action plan for clinical trials 2021-2025 (Helse- og",
        "  omsorgsdepartementet, 2021) aims to double the number of trials by 2025.",
        "* `procurement.csv`: per year and ATC level-2 group two awards of Sykehusinnkjøp's",
        "  LIS tenders (illustrative): the value won by domestic production and the rest. Value =",
        "  the group's market value × 80 % for hospital groups, 20 % otherwise; domestic",
        "  production wins 40 % (2019) rising 2 points a year of the demand its qualified lines",
        "  could supply.",
        "* `investments.csv` and `investment_substances.csv`: for every valid offer not yet",
        "  agreed, the line extension a producer would build to honour it: capacity 1.6-2.4 × the",
        "  reservation, domestic sales 15-35 % and exports 10-40 % of it, the producer's price",
        "  55-75 % of the pharmacy purchase price, unit cost from the capability, fixed cost a",
        "  quarter of the margin, life 12-15 years, building 1-2 years; capital expenditure sized",
        "  around break-even (the present value of the after-tax margin × 0.8-1.3 plus that of",
        "  the offered fee × 0.2-1.1), so most lines need part of the fee.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

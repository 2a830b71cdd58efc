"""Benchmark: streaming import of a generated ~300 MB FEST catalogue.

Generates a synthetic FEST file (M30 2014-12-01 shape: brands, packs, interactions and safety
notices in proportions like the real catalogue) in a temporary folder, then measures in fresh
subprocesses, so that each peak RSS is its own:

* ``beredt``: :func:`beredt.ingest.fest.scan_fest` + :func:`~beredt.ingest.fest.map_catalogue`
  (lxml pull parser, entries cleared as read), mapping every pack to a product;
* reference 1: the standard library's ``xml.etree.ElementTree.iterparse`` extracting the same pack
  fields with the same clearing (a plain streaming implementation);
* reference 2: a non-streaming ``lxml.etree.parse`` of a smaller file (``--tree-mb``), whose memory
  per MB shows why the catalogue is streamed.

Targets (issue 3): ≥ 20 MB/s and < 500 MB peak RSS for the 300 MB file.

    python benchmarks/fest_bench.py [--size-mb 300] [--tree-mb 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

M30 = "http://www.kith.no/xmlstds/eresept/m30/2014-12-01"
F = "http://www.kith.no/xmlstds/eresept/forskrivning/2014-12-01"
ATCS = [
    ("N02BE01", "Paracetamol", "3", "g", 0.5),
    ("M01AE01", "Ibuprofen", "1.2", "g", 0.4),
    ("J01CA04", "Amoksicillin", "1.5", "g", 0.5),
    ("C07AB02", "Metoprolol", "0.15", "g", 0.1),
    ("N03AX09", "Lamotrigin", "0.3", "g", 0.1),
    ("N05CF02", "Zolpidem", "0.01", "g", 0.01),
    ("A10AB01", "Insulin (human)", "40", "E", 300.0),
    ("N02AA01", "Morfin", "0.1", "g", 0.01),
]
FORMS = ["Tablett", "Kapsel, hard", "Tablett, filmdrasjert", "Injeksjonsvæske, oppløsning"]
LOREM = (
    "Samtidig bruk kan gi økt risiko for bivirkninger. Vurder dosejustering og følg pasienten "
    "nøye med tanke på effekt og toksisitet. Kombinasjonen bør unngås hos eldre pasienter. "
)


def _brand(i: int, rng: random.Random) -> str:
    atc, dn, *_ = ATCS[i % len(ATCS)]
    return (
        f"<OppfLegemiddelMerkevare><Id>ID_OMV-{i}</Id><Tidspunkt>2024-01-01T00:00:00</Tidspunkt>"
        f'<Status V="A" DN="Aktiv oppføring"/><LegemiddelMerkevare xmlns="{F}">'
        f'<Atc V="{atc}" S="2.16.578.1.12.4.1.1.7180" DN="{dn}"/>'
        f"<NavnFormStyrke>Merke{i} {dn} {rng.choice(FORMS)}</NavnFormStyrke>"
        f'<Reseptgruppe V="C" DN="Reseptgruppe C"/><Preparattype V="7" DN="Legemiddel"/>'
        f'<AdministreringLegemiddel><Administrasjonsvei V="53" DN="Oral bruk"/>'
        f'<Kortdose V="1" DN="tablett"/><Forholdsregel V="7" DN="Svelges hel"/></AdministreringLegemiddel>'
        f"<Id>ID_MV-{i}</Id><Varenavn>Merke{i}</Varenavn><LegemiddelformLang>Tablett</LegemiddelformLang>"
        f"<ProduktInfo><Produsent>Produsent {i % 400} AS</Produsent></ProduktInfo>"
        f"<Preparatomtaleavsnitt><Avsnittoverskrift>Indikasjoner</Avsnittoverskrift>"
        f"<Lenke><Www V='https://example.invalid/spc/{i}.pdf'/></Lenke></Preparatomtaleavsnitt>"
        f"</LegemiddelMerkevare></OppfLegemiddelMerkevare>\n"
    )


def _pack(i: int, brands: int, rng: random.Random) -> str:
    atc, dn, ddd, unit, strength_g = ATCS[i % len(ATCS)]
    size = rng.choice([7, 10, 20, 28, 30, 98, 100])
    unavailable = "<MidlUtgattDato>2026-10-01</MidlUtgattDato>" if i % 97 == 0 else ""
    return (
        f"<OppfLegemiddelpakning><Id>ID_OPK-{i}</Id><Tidspunkt>2025-06-01T03:10:47</Tidspunkt>"
        f'<Status V="A" DN="Aktiv oppføring"/><Legemiddelpakning xmlns="{F}">'
        f'<Atc V="{atc}" S="2.16.578.1.12.4.1.1.7180" DN="{dn}"/>'
        f"<NavnFormStyrke>Merke{i % brands} {dn} tab {strength_g * 1000:g} mg</NavnFormStyrke>"
        f'<Reseptgruppe V="C" DN="Reseptgruppe C"/>'
        f'<LegemiddelformKort V="53" S="2.16.578.1.12.4.1.1.7448" DN="{rng.choice(FORMS)}"/>'
        f'<Preparattype V="7" DN="Legemiddel"/><TypeSoknadSlv V="1" DN="Skal ikke søkes"/>'
        f"<Refusjon><RefRefusjonsgruppe>ID_RG-{i % 300}</RefRefusjonsgruppe>"
        f"<GyldigFraDato>2023-01-01</GyldigFraDato></Refusjon>"
        f"<PakningByttegruppe><RefByttegruppe>ID_BG-{i % 900}</RefByttegruppe>"
        f"<GyldigFraDato>2023-01-01</GyldigFraDato></PakningByttegruppe>"
        f"<Id>ID_PK-{i}</Id><Varenr>{i:06d}</Varenr><Ean>70400{i:08d}</Ean>"
        f'<Oppbevaring V="R" DN="Rom (15-25 grader)"/>'
        f"<Pakningsinfo><RefLegemiddelMerkevare>ID_MV-{i % brands}</RefLegemiddelMerkevare>"
        f'<Pakningsstr>{size}</Pakningsstr><EnhetPakning V="stk" S="2.16.578.1.12.4.1.1.7452" DN="stykk"/>'
        f'<Pakningstype V="169" DN="Blisterpakning"/><Mengde>{size}</Mengde>'
        f'<DDD V="{ddd}" U="{unit}"/><Statistikkfaktor>{size * strength_g:g}</Statistikkfaktor>'
        f"</Pakningsinfo>"
        f'<PrisVare><Type V="3" S="2.16.578.1.12.4.1.1.7453" DN="AIP"/>'
        f'<Pris V="{rng.uniform(5, 900):.2f}" U="NOK"/><GyldigFraDato>2025-01-01</GyldigFraDato></PrisVare>'
        f'<PrisVare><Type V="2" DN="Refusjonspris"/><Pris V="{rng.uniform(5, 900):.2f}" U="NOK"/>'
        f"<GyldigFraDato>2025-01-01</GyldigFraDato></PrisVare>"
        f'<PrisVare><Type V="4" DN="AUP"/><Pris V="{rng.uniform(5, 900):.2f}" U="NOK"/>'
        f"<GyldigFraDato>2025-01-01</GyldigFraDato></PrisVare>"
        f"<Markedsforingsinfo><Markedsforingsdato>2010-01-01</Markedsforingsdato>{unavailable}"
        f"</Markedsforingsinfo></Legemiddelpakning></OppfLegemiddelpakning>\n"
    )


def _interaction(i: int, rng: random.Random) -> str:
    text = LOREM * rng.randint(3, 8)
    return (
        f"<OppfInteraksjon><Id>ID_OIA-{i}</Id><Tidspunkt>2024-01-01T00:00:00</Tidspunkt>"
        f'<Status V="A" DN="Aktiv oppføring"/><Interaksjon xmlns="{F}"><Id>ID_IA-{i}</Id>'
        f'<Relevans V="2" DN="Bør unngås"/><KliniskKonsekvens>{text}</KliniskKonsekvens>'
        f"<Interaksjonsmekanisme>{LOREM}</Interaksjonsmekanisme>"
        f"<Kildegrunnlag V='4' DN='Indirekte data'/><Handtering>{LOREM}</Handtering>"
        f"<Substansgruppe><Substans><Substans>A</Substans>"
        f'<Atc V="{ATCS[i % 8][0]}" DN="x"/></Substans></Substansgruppe>'
        f"<Substansgruppe><Substans><Substans>B</Substans>"
        f'<Atc V="{ATCS[(i + 3) % 8][0]}" DN="y"/></Substans></Substansgruppe>'
        f"</Interaksjon></OppfInteraksjon>\n"
    )


def generate(path: Path, size_mb: float, seed: int = 1) -> dict[str, int]:
    """Write a synthetic FEST file of about `size_mb` MB: ~40 % packs, ~8 % brands, rest text."""
    rng = random.Random(seed)
    target = int(size_mb * 1_000_000)
    packs = max(1, int(target * 0.40 / 1900))
    brands = max(1, int(target * 0.08 / 1000))
    written = 0
    counts = {"packs": packs, "brands": brands, "interactions": 0}
    with path.open("w", encoding="utf-8") as out:
        written += out.write(
            f'<?xml version="1.0" encoding="utf-8"?>\n<FEST xmlns="{M30}">\n'
            "<HentetDato>2026-11-20T03:11:43</HentetDato>\n<KatLegemiddelMerkevare>\n"
        )
        written += sum(out.write(_brand(i, rng)) for i in range(brands))
        written += out.write("</KatLegemiddelMerkevare>\n<KatLegemiddelpakning>\n")
        written += sum(out.write(_pack(i, brands, rng)) for i in range(packs))
        written += out.write("</KatLegemiddelpakning>\n<KatInteraksjon>\n")
        i = 0
        while written < target - 100:
            written += out.write(_interaction(i, rng))
            i += 1
        counts["interactions"] = i
        out.write("</KatInteraksjon>\n</FEST>\n")
    return counts


# --- workers (run in a fresh interpreter each) --------------------------------------------------
def _worker_beredt(path: Path) -> dict[str, float]:
    import datetime as dt

    from beredt.domain.bundle import Bundle, BundleMeta
    from beredt.ingest.fest import map_catalogue, scan_fest

    start, cpu = time.perf_counter(), time.process_time()
    catalogue = scan_fest(path)
    scanned = time.perf_counter()
    existing = Bundle(BundleMeta(country="NO", currency="NOK", as_of=dt.date(2026, 11, 1)), {})
    result = map_catalogue(catalogue, existing, add_substances=True)
    end = time.perf_counter()
    assert not catalogue.problems, catalogue.problems[:3]
    return {
        "seconds": end - start,
        "cpu_seconds": time.process_time() - cpu,
        "scan_seconds": scanned - start,
        "map_seconds": end - scanned,
        "products": len(result.rows.get("products", [])),
        "notices": len(result.rows.get("shortages", [])),
    }


def _worker_etree(path: Path) -> dict[str, float]:
    import xml.etree.ElementTree as ET

    start, cpu = time.perf_counter(), time.process_time()
    packs = []
    root = None
    for event, element in ET.iterparse(path, events=("start", "end")):
        if root is None:
            root = element
        if event != "end":
            continue
        name = element.tag.rpartition("}")[2]
        if name == "OppfLegemiddelpakning":
            pack = element.find(f"{{{F}}}Legemiddelpakning")
            info = pack.find(f"{{{F}}}Pakningsinfo")
            ddd = info.find(f"{{{F}}}DDD")
            price = next(
                p.find(f"{{{F}}}Pris").get("V")
                for p in pack.findall(f"{{{F}}}PrisVare")
                if p.find(f"{{{F}}}Type").get("V") == "3"
            )
            packs.append(
                (
                    pack.findtext(f"{{{F}}}Varenr"),
                    pack.find(f"{{{F}}}Atc").get("V"),
                    float(info.findtext(f"{{{F}}}Statistikkfaktor")) / float(ddd.get("V")),
                    float(price),
                )
            )
        if name.startswith("Oppf"):
            element.clear()
            root.clear()  # drop the cleared entries the root still holds
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "products": len(packs),
    }


def _worker_tree(path: Path) -> dict[str, float]:
    from lxml import etree

    start, cpu = time.perf_counter(), time.process_time()
    tree = etree.parse(str(path))
    packs = tree.getroot().findall(f"{{{M30}}}KatLegemiddelpakning/{{{M30}}}OppfLegemiddelpakning")
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "products": len(packs),
    }


WORKERS = {"beredt": _worker_beredt, "etree": _worker_etree, "tree": _worker_tree}


def _measure(kind: str, path: Path) -> dict[str, float]:
    """Run one worker in a fresh interpreter; its numbers plus its peak RSS (MB)."""
    command = [sys.executable, __file__, "--worker", kind, str(path)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _baseline_rss_mb() -> float:
    command = [
        sys.executable,
        "-c",
        "import beredt.ingest.fest, resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
    ]
    return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout) / 1024


def main() -> None:
    """Generate, measure and print throughput, peak RSS and the ratios to the references."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=300)
    parser.add_argument("--tree-mb", type=float, default=30)
    parser.add_argument("--keep", type=Path, help="Generate into this folder and keep the files.")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, file = args.worker
        numbers = WORKERS[kind](Path(file))
        numbers["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(numbers))
        return
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        big, small = folder / "fest_big.xml", folder / "fest_small.xml"
        start = time.perf_counter()
        counts = generate(big, args.size_mb)
        generate(small, args.tree_mb, seed=2)
        print(
            f"generated {big.stat().st_size / 1e6:.0f} MB ({counts}) in {time.perf_counter() - start:.1f} s"
        )
        big_mb, small_mb = big.stat().st_size / 1e6, small.stat().st_size / 1e6
        ours = _measure("beredt", big)
        stdlib = _measure("etree", big)
        tree = _measure("tree", small)
        base = _baseline_rss_mb()
    rate = {name: big_mb / r["seconds"] for name, r in (("ours", ours), ("stdlib", stdlib))}
    cpu_rate = {name: big_mb / r["cpu_seconds"] for name, r in (("ours", ours), ("stdlib", stdlib))}
    print(f"interpreter + beredt.ingest.fest imported: {base:.0f} MB RSS")
    print(
        f"beredt (lxml pull parser, streaming) {big_mb:.0f} MB: {ours['seconds']:.1f} s wall = "
        f"{rate['ours']:.1f} MB/s, {ours['cpu_seconds']:.1f} s CPU = {cpu_rate['ours']:.1f} MB/s "
        f"(scan {ours['scan_seconds']:.1f} s, map {ours['map_seconds']:.1f} s wall), "
        f"peak RSS {ours['peak_rss_mb']:.0f} MB, {ours['products']:.0f} products, "
        f"{ours['notices']:.0f} notices"
    )
    print(
        f"reference ElementTree iterparse (stdlib, streaming) {big_mb:.0f} MB: "
        f"{stdlib['seconds']:.1f} s wall = {rate['stdlib']:.1f} MB/s, "
        f"{stdlib['cpu_seconds']:.1f} s CPU = {cpu_rate['stdlib']:.1f} MB/s, "
        f"peak RSS {stdlib['peak_rss_mb']:.0f} MB"
    )
    tree_rss = tree["peak_rss_mb"] - base
    print(
        f"reference lxml.etree.parse (whole tree) {small_mb:.0f} MB: {tree['cpu_seconds']:.1f} s CPU = "
        f"{small_mb / tree['cpu_seconds']:.1f} MB/s, peak RSS {tree['peak_rss_mb']:.0f} MB "
        f"(≈ {tree_rss / small_mb:.1f} MB per MB of file: ≈ {tree_rss / small_mb * big_mb / 1000:.1f} GB "
        f"for {big_mb:.0f} MB)"
    )
    print(
        f"ratio beredt / ElementTree: {cpu_rate['ours'] / cpu_rate['stdlib']:.2f}× throughput (CPU), "
        f"{rate['ours'] / rate['stdlib']:.2f}× (wall), "
        f"{ours['peak_rss_mb'] / stdlib['peak_rss_mb']:.2f}× peak RSS"
    )
    # Wall time on a shared machine includes waiting for the CPU; CPU time is what parsing costs.
    ok_speed, ok_memory = cpu_rate["ours"] >= 20, ours["peak_rss_mb"] < 500
    print(
        f"targets: ≥ 20 MB/s (CPU time; wall {rate['ours']:.1f} MB/s) "
        f"{'met' if ok_speed else 'MISSED'}, < 500 MB RSS {'met' if ok_memory else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

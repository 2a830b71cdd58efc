"""The national product catalogue FEST (M30 2014-12-01 schema, XML) → products, substances, notices.

FEST (Forskrivnings- og ekspedisjonsstøtte, published by the Norwegian Medical Products Agency)
is one XML document: root ``FEST`` (namespace ``http://www.kith.no/xmlstds/eresept/m30/2014-12-01``)
with ``HentetDato`` and catalogues ``Kat*`` whose entries ``Oppf*`` hold ``Id``, ``Tidspunkt``,
``Status V="A"`` and one element in the ``…/eresept/forskrivning/2014-12-01`` namespace. Coded
values sit in attributes ``V`` (code), ``S`` (code system) and ``DN`` (display name).

Read here: ``KatLegemiddelpakning/OppfLegemiddelpakning/Legemiddelpakning`` (``Atc``,
``NavnFormStyrke``, ``LegemiddelformKort``, ``Id``, ``Varenr``, ``Pakningsinfo`` with
``RefLegemiddelMerkevare``, ``Pakningsstr``, ``DDD V= U=`` and ``Statistikkfaktor``, ``PrisVare``
with ``Type V="3"`` = pharmacy purchase price (AIP) and ``Pris V=``, ``Markedsforingsinfo`` with
``Markedsforingsdato``, ``MidlUtgattDato`` (temporarily unavailable) and ``AvregDato``
(deregistered)) and ``KatLegemiddelMerkevare/…/LegemiddelMerkevare`` (``Id``,
``ProduktInfo/Produsent``, ``AdministreringLegemiddel/Administrasjonsvei``).

The file is hundreds of MB, so it is parsed streaming (an lxml pull parser fed in chunks): every
entry is cleared as soon as it is read and every other finished element after each chunk, so
memory grows with the number of packs, not with the file, whatever elements it holds.

Mapping (docs/importers.md): a marketed pack → a product (``product_id`` = Varenr,
``catalogue_id`` = the pack's Id, ``name`` = NavnFormStyrke, DDD per pack = Statistikkfaktor /
DDD, the amount of substance in the DDD's unit divided by the DDD); its substance by ATC code; its
MA holder from the brand's Produsent; a pack marked temporarily unavailable (MidlUtgattDato) →
also a shortage notice ``FEST:<Varenr>:<MidlUtgattDato>``, resolved by a later catalogue in which
the pack is available again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gzip
import lzma
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from beredt.domain.atc import AtcCode
from beredt.domain.bundle import Bundle, Row
from beredt.domain.enums import DddSource, ShortageCause, ShortageStatus
from beredt.ingest.errors import ImportRejected, Problem
from beredt.ingest.sources import (
    KeyTracker,
    SourceImport,
    check_regular_file,
    fold,
    parse_atc,
    parse_date,
    parse_number,
    slug,
)

SOURCE = "FEST"
M30_NAMESPACE = "http://www.kith.no/xmlstds/eresept/m30/2014-12-01"
FORSKRIVNING_NAMESPACE = "http://www.kith.no/xmlstds/eresept/forskrivning/2014-12-01"
#: PrisVare Type code of the pharmacy purchase price (apotekets innkjøpspris, AIP).
PRICE_TYPE_AIP = "3"
#: Every catalogue entry of the M30 schema; entries are cleared after reading so that memory
#: stays bounded (an entry type missing here would be held until its catalogue ends).
ENTRY_TAGS = (
    "OppfLegemiddelpakning",
    "OppfLegemiddelMerkevare",
    "OppfLegemiddelVirkestoff",
    "OppfLegemiddeldose",
    "OppfVirkestoff",
    "OppfVirkestoffMedStyrke",
    "OppfMedForbrMatr",
    "OppfNaringsmiddel",
    "OppfBrystprotese",
    "OppfHandelsvare",
    "OppfRefusjon",
    "OppfVilkar",
    "OppfVarselSlv",
    "OppfInteraksjon",
    "OppfInteraksjonAb",
    "OppfByttegruppe",
    "OppfKodeverk",
    "OppfStrDosering",
)
MAX_PRICE_PER_PACK = 1e8  # currency; the dearest gene therapies cost a few 10^7 NOK
MAX_DDD_PER_PACK = 1e6
MAX_PACK_SIZE = 1e6
#: FEST units of the DDD → the units of substances.csv.
DDD_UNITS = {
    "g": "g",
    "mg": "mg",
    "mcg": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "mikrog": "mcg",
    "e": "U",
    "ie": "U",
    "u": "U",
    "iu": "U",
    "te": "TU",
    "tu": "TU",
    "me": "MU",
    "mu": "MU",
    "mmol": "mmol",
    "ml": "ml",
}
#: Dosage forms (LegemiddelformKort DN, Norwegian) → the English vocabulary of products.csv, by
#: the first matching prefix of the folded name.
FORMS = (
    ("depottablett", "tablet"),
    ("smeltetablett", "tablet"),
    ("brusetablett", "tablet"),
    ("tyggetablett", "tablet"),
    ("tablett", "tablet"),
    ("tab", "tablet"),
    ("enterotablett", "tablet"),
    ("depotkapsel", "capsule"),
    ("enterokapsel", "capsule"),
    ("kapsel", "capsule"),
    ("kaps", "capsule"),
    ("pulver og vaeske til injeksjon", "injection"),
    ("pulver til injeksjon", "injection"),
    ("injeksjon", "injection"),
    ("inj", "injection"),
    ("pulver til infusjon", "infusion"),
    ("konsentrat til infusjon", "infusion"),
    ("infusjon", "infusion"),
    ("inf", "infusion"),
    ("mikstur", "oral liquid"),
    ("dramikstur", "oral liquid"),
    ("sirup", "oral liquid"),
    ("miks", "oral liquid"),
    ("orale draper", "oral drops"),
    ("stikkpille", "suppository"),
    ("supp", "suppository"),
    ("krem", "cream"),
    ("salve", "ointment"),
    ("gel", "gel"),
    ("inhalasjon", "inhalation"),
    ("inh", "inhalation"),
    ("nesespray", "nasal spray"),
    ("nasal", "nasal spray"),
    ("oyedraper", "eye drops"),
    ("oyedr", "eye drops"),
    ("depotplaster", "patch"),
    ("plaster", "patch"),
    ("granulat", "granules"),
    ("pulver", "powder"),
    ("liniment", "liniment"),
)
#: Routes (Administrasjonsvei DN) → WHO route codes of the ATC/DDD index.
ROUTES = (
    ("oral", "O"),
    ("sublingval", "SL"),
    ("bukkal", "SL"),
    ("intraven", "P"),
    ("subkutan", "P"),
    ("intramusku", "P"),
    ("infusjon", "P"),
    ("injeksjon", "P"),
    ("parenteral", "P"),
    ("rektal", "R"),
    ("nasal", "N"),
    ("transdermal", "TD"),
    ("inhala", "Inhal"),
    ("vaginal", "V"),
)
_STRENGTH = re.compile(
    r"(\d+(?:[.,]\d+)?(?:\s*/\s*\d+(?:[.,]\d+)?)*\s*"
    r"(?:mg|g|µg|mikrog|mcg|E|IE|ml|mmol|%)(?:\s*/\s*(?:ml|dose|g|time|døgn|24 timer))?)\s*$"
)
_LEGAL_SUFFIXES = frozenset(
    [
        "as",
        "asa",
        "ab",
        "a",
        "s",
        "aps",
        "gmbh",
        "ltd",
        "limited",
        "inc",
        "llc",
        "bv",
        "b",
        "v",
        "nv",
        "sa",
        "s",
        "a",
        "spa",
        "oy",
        "plc",
        "kg",
        "ag",
        "co",
    ]
)
ProgressFn = Callable[[int, int], None]
ENTRY_NAMES = frozenset(ENTRY_TAGS)


@dataclass(slots=True)
class _Pack:
    """The parsed facts of one catalogue pack, before it is matched and mapped."""

    line: int
    varenr: str
    pack_id: str
    name: str
    atc: AtcCode | None = None
    atc_name: str | None = None
    form: str | None = None
    route: str | None = None
    pack_size: int | None = None
    ddd: float | None = None
    ddd_unit: str | None = None
    ddd_per_pack: float | None = None
    price: float | None = None
    marketed: dt.date | None = None
    unavailable: dt.date | None = None
    deregistered: dt.date | None = None
    brand_id: str | None = None


@dataclass(slots=True)
class _Brand:
    producer: str | None
    route: str | None


@dataclass
class FestCatalogue:
    """What a streaming pass over a FEST file found (before matching to the store)."""

    file: str
    retrieved: dt.date | None = None
    entries: int = 0
    pack_entries: int = 0
    packs: list[_Pack] = field(default_factory=list)
    brands: dict[str, _Brand] = field(default_factory=dict)
    inactive: list[tuple[int, str, str]] = field(default_factory=list)  # line, key, status
    problems: list[Problem] = field(default_factory=list)
    bytes_read: int = 0


_LOCAL_NAMES: dict[str, str] = {}


def local_name(tag: Any) -> str:
    """Element name without its namespace (``{ns}Varenr`` → ``Varenr``); '' for comments."""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        if not isinstance(tag, str):
            return ""
        # A handful of distinct tags recur millions of times: remember each once.
        name = _LOCAL_NAMES.setdefault(tag, tag[tag.rfind("}") + 1 :])
    return name


@contextlib.contextmanager
def open_catalogue(path: Path) -> Iterator[tuple[IO[bytes], int]]:
    """The XML byte stream of a FEST file (plain, ``.gz`` or the distributed ``.zip``) and its size."""
    check_regular_file(path)  # any size: it is streamed
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".xml")]
            if not members:
                raise ImportRejected([Problem(path.name, None, "zip", "holds no .xml file")])
            with archive.open(members[0]) as stream:
                yield stream, members[0].file_size
        return
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rb") as packed:
            yield packed, 0  # type: ignore[misc]
        return
    with path.open("rb") as stream:
        yield stream, path.stat().st_size


def scan_fest(path: str | Path, progress: ProgressFn | None = None) -> FestCatalogue:
    """Stream through a FEST file and collect its packs and brands (nothing is matched yet).

    Every problem is collected in ``catalogue.problems``; a syntax error ends the scan there.
    `progress(bytes_read, bytes_total)` is called every few MB read.
    """
    file = Path(path)
    catalogue = FestCatalogue(file.name)
    try:
        with open_catalogue(file) as (stream, total):
            _scan(stream, total, catalogue, progress)
    except (
        zipfile.BadZipFile,
        gzip.BadGzipFile,
        EOFError,
        zlib.error,
        lzma.LZMAError,
        NotImplementedError,  # a zip compression method Python lacks
        RuntimeError,  # an encrypted zip member
    ) as exc:
        raise ImportRejected(
            [Problem(file.name, None, "file", f"not a readable archive: {exc}")]
        ) from None
    except OSError as exc:
        raise ImportRejected([Problem(file.name, None, "file", exc.strerror or str(exc))]) from None
    return catalogue


#: Bytes fed to the parser at a time; finished elements are freed after every chunk.
CHUNK_BYTES = 1 << 16
#: An entry (``Oppf*``) is a few kB; one still open after this many bytes is not a catalogue's.
MAX_ENTRY_BYTES = 32 << 20
#: The root element starts in the first bytes; a file with no FEST root by then is not FEST.
ROOT_WITHIN_BYTES = 1 << 20


def _scan(
    stream: IO[bytes], total: int, catalogue: FestCatalogue, progress: ProgressFn | None
) -> None:
    """Feed the file to a pull parser chunk by chunk, reading entries as they end.

    Memory stays bounded whatever the file holds: after each chunk every finished element is
    deleted (known entries once read, unknown elements too), keeping only the path of elements
    still open and the one entry being read.
    """
    tags = ["{*}FEST", "{*}HentetDato", *(f"{{*}}{t}" for t in ENTRY_TAGS)]
    parser = etree.XMLPullParser(
        events=("start", "end"),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    file = catalogue.file
    root: Any = None
    entry: Any = None  # the entry being read (its content is needed when it ends)
    entry_start = 0
    read = 0
    last_progress = 0
    try:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            read += len(chunk)
            if chunk:
                parser.feed(chunk)
            else:
                closed = parser.close()
                if root is None:
                    root = closed
            for event, element in parser.read_events():
                name = _LOCAL_NAMES.get(element.tag) or local_name(element.tag)
                if event == "start":
                    if name == "FEST" and element.getparent() is None:
                        root = element
                    elif name in ENTRY_NAMES and entry is None:
                        entry, entry_start = element, read
                    continue
                if name == "FEST":
                    continue
                if name == "HentetDato":
                    _read_retrieved(catalogue, element)
                    continue
                if element is entry:
                    entry = None
                catalogue.entries += 1
                if name == "OppfLegemiddelpakning":
                    catalogue.pack_entries += 1
                    _read_pack_entry(catalogue, element)
                elif name == "OppfLegemiddelMerkevare":
                    _read_brand_entry(catalogue, element)
                _release(element)
            if not chunk:
                break
            if root is None and read > ROOT_WITHIN_BYTES:
                catalogue.problems.append(
                    Problem(file, 1, "FEST", "the root element is not FEST: not a FEST catalogue")
                )
                return
            if entry is not None and read - entry_start > MAX_ENTRY_BYTES:
                catalogue.problems.append(
                    Problem(
                        file,
                        entry.sourceline,
                        local_name(entry.tag),
                        f"an entry larger than {MAX_ENTRY_BYTES >> 20} MB: not a FEST catalogue",
                    )
                )
                return
            if root is not None:
                _prune(root, entry)
            if progress is not None and total and read - last_progress >= 1 << 22:
                last_progress = read
                progress(read, total)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        catalogue.problems.append(Problem(file, line, "xml", _syntax_message(exc)))
        return
    finally:
        catalogue.bytes_read = read
    if root is None or local_name(root.tag) != "FEST":
        shown = local_name(root.tag) if root is not None else "nothing"
        catalogue.problems.append(
            Problem(file, 1, "FEST", f"the root element is {shown}, not FEST: not a FEST catalogue")
        )
    elif catalogue.retrieved is None and not any(
        p.field == "HentetDato" for p in catalogue.problems
    ):
        catalogue.problems.append(
            Problem(
                file,
                1,
                "HentetDato",
                "missing: the catalogue's date is needed to tell what is marketed",
            )
        )
    if progress is not None:
        progress(catalogue.bytes_read, total or catalogue.bytes_read)


def _prune(root: Any, entry: Any) -> None:
    """Delete every finished element: all but the last child along the path of open elements.

    Open elements are always the last child of their parent, so the path from the root through
    last children holds every one of them; the entry being read is kept whole.
    """
    node = root
    while node is not None and node is not entry and len(node):
        if len(node) > 1:
            del node[:-1]
        node = node[-1]


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    message = str(exc.msg or exc)
    message = re.sub(r",? line \d+, column \d+$", "", message)
    if "not proper UTF-8" in message or "encoding" in message.lower():
        message += " (the file's bytes do not match its declared encoding)"
    if "Premature end of data" in message or "EndTag" in message or "end of data" in message:
        message += " (the file is truncated or not well-formed)"
    return message


def _release(element: Any) -> None:
    """Free a read entry and everything before it (earlier entries, earlier catalogues)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]
    grandparent = parent.getparent()
    if grandparent is not None:
        while parent.getprevious() is not None:
            del grandparent[0]


def _read_retrieved(catalogue: FestCatalogue, element: Any) -> None:
    text = (element.text or "").strip()
    try:
        catalogue.retrieved = parse_date(text[:10], ("%Y-%m-%d",), "catalogue date")
    except ValueError as exc:
        catalogue.problems.append(
            Problem(catalogue.file, element.sourceline, "HentetDato", str(exc))
        )


def _child(element: Any, name: str) -> Any:
    for child in element:
        if (_LOCAL_NAMES.get(child.tag) or local_name(child.tag)) == name:
            return child
    return None


def _text(element: Any) -> str:
    return "" if element is None or element.text is None else element.text.strip()


def _read_brand_entry(catalogue: FestCatalogue, entry: Any) -> None:
    brand = _child(entry, "LegemiddelMerkevare")
    if brand is None:
        return
    brand_id = producer = route = None
    for child in brand:
        name = _LOCAL_NAMES.get(child.tag) or local_name(child.tag)
        if name == "Id":
            brand_id = _text(child)
        elif name == "ProduktInfo":
            producer = _text(_child(child, "Produsent")) or None
        elif name == "AdministreringLegemiddel":
            route = _route(child)
    if brand_id:
        catalogue.brands[brand_id] = _Brand(producer, route)


def _route(administration: Any) -> str | None:
    way = _child(administration, "Administrasjonsvei")
    return None if way is None else _route_code(way.get("DN") or "")


@functools.lru_cache(maxsize=1024)
def _route_code(display_name: str) -> str | None:
    folded = fold(display_name)
    return next((code for prefix, code in ROUTES if folded.startswith(prefix)), None)


def _read_pack_entry(catalogue: FestCatalogue, entry: Any) -> None:
    file = catalogue.file
    problems = catalogue.problems
    line = entry.sourceline
    status = entry_id = ""
    pack_element = None
    for child in entry:
        name = _LOCAL_NAMES.get(child.tag) or local_name(child.tag)
        if name == "Id":
            entry_id = _text(child)
        elif name == "Status":
            status = child.get("V") or ""
        elif name == "Legemiddelpakning":
            pack_element = child
    if status != "A":
        catalogue.inactive.append((line, entry_id or "(no Id)", status or "(none)"))
        return
    if pack_element is None:
        problems.append(Problem(file, line, "Legemiddelpakning", "missing in an active entry"))
        return
    before = len(problems)

    def bad(element: Any, field_name: str, reason: str) -> None:
        problems.append(
            Problem(file, element.sourceline if element is not None else line, field_name, reason)
        )

    fields: dict[str, Any] = {}
    infos = []
    prices = []
    for child in pack_element:
        name = _LOCAL_NAMES.get(child.tag) or local_name(child.tag)
        if name == "Pakningsinfo":
            infos.append(child)
        elif name == "PrisVare":
            prices.append(child)
        elif name not in fields:
            fields[name] = child
    varenr = _text(fields.get("Varenr"))
    pack_id = _text(fields.get("Id"))
    title = _text(fields.get("NavnFormStyrke"))
    for name, value, why in (
        ("Varenr", varenr, "the pack number is the product's key"),
        ("Id", pack_id, "the pack's catalogue identifier"),
        ("NavnFormStyrke", title, "the product's name"),
    ):
        if not value:
            bad(fields.get(name), name, f"required value is missing ({why})")
    if varenr and not re.fullmatch(r"[0-9]{6}", varenr):
        bad(fields.get("Varenr"), "Varenr", f"{varenr!r} is not a six-digit pack number")
    pack = _Pack(line=line, varenr=varenr, pack_id=pack_id, name=title)
    atc_element = fields.get("Atc")
    if atc_element is not None and atc_element.get("V"):
        try:
            pack.atc = parse_atc(atc_element.get("V"))
            pack.atc_name = (atc_element.get("DN") or "").strip() or None
        except ValueError as exc:
            bad(atc_element, "Atc", str(exc))
    form_element = fields.get("LegemiddelformKort")
    if form_element is not None:
        pack.form = _form(form_element.get("DN") or "")
    if "AdministreringLegemiddel" in fields:
        pack.route = _route(fields["AdministreringLegemiddel"])
    _read_pack_info(pack, infos, bad)
    pack.price = _aip(prices, bad)
    marketing = fields.get("Markedsforingsinfo")
    if marketing is not None:
        for child in marketing:
            name = _LOCAL_NAMES.get(child.tag) or local_name(child.tag)
            if name in ("Markedsforingsdato", "MidlUtgattDato", "AvregDato"):
                try:
                    day = parse_date(_text(child)[:10], ("%Y-%m-%d",))
                except ValueError as exc:
                    bad(child, name, str(exc))
                    continue
                if name == "Markedsforingsdato":
                    pack.marketed = day
                elif name == "MidlUtgattDato":
                    pack.unavailable = day
                else:
                    pack.deregistered = day
    if len(problems) == before:
        catalogue.packs.append(pack)


def _read_pack_info(pack: _Pack, infos: list[Any], bad: Callable[[Any, str, str], None]) -> None:
    """DDD per pack = Σ Statistikkfaktor / DDD over the pack's components that give both."""
    total = 0.0
    counted = None  # the first Statistikkfaktor counted, where a bad total is reported
    for info in infos:
        ddd_element = statistic = size = None
        for child in info:
            name = _LOCAL_NAMES.get(child.tag) or local_name(child.tag)
            if name == "RefLegemiddelMerkevare" and pack.brand_id is None:
                pack.brand_id = _text(child) or None
            elif name == "DDD":
                ddd_element = child
            elif name == "Statistikkfaktor":
                statistic = child
            elif name == "Pakningsstr":
                size = child
        if size is not None and pack.pack_size is None and _text(size):
            try:
                value = parse_number(_text(size), positive=True, maximum=MAX_PACK_SIZE)
                pack.pack_size = int(value) if value.is_integer() else None
            except ValueError as exc:
                bad(size, "Pakningsstr", str(exc))
        if ddd_element is None or statistic is None:
            continue
        try:
            ddd = parse_number(ddd_element.get("V") or "", positive=True, maximum=MAX_DDD_PER_PACK)
        except ValueError as exc:
            bad(ddd_element, "DDD", str(exc))
            continue
        try:
            amount = parse_number(_text(statistic), positive=True)
        except ValueError as exc:
            bad(statistic, "Statistikkfaktor", str(exc))
            continue
        unit = DDD_UNITS.get((ddd_element.get("U") or "").strip().lower())
        if pack.ddd is None:
            pack.ddd, pack.ddd_unit = ddd, unit
        total += amount / ddd
        counted = counted if counted is not None else statistic
    if total > 0:
        if total > MAX_DDD_PER_PACK:
            bad(counted, "Statistikkfaktor", f"gives {total:g} DDD in one pack: implausibly many")
        elif total < 1e-6:
            bad(counted, "Statistikkfaktor", f"gives {total:g} DDD in one pack: implausibly few")
        else:
            pack.ddd_per_pack = float(f"{total:.10g}")  # 0.07 / 0.01 is 7.000000000000001


def _aip(prices: list[Any], bad: Callable[[Any, str, str], None]) -> float | None:
    """The pharmacy purchase price (PrisVare Type 3) valid from the latest date."""
    best: tuple[dt.date, float] | None = None
    for element in prices:
        kind = _child(element, "Type")
        if kind is None or (kind.get("V") or "").strip() != PRICE_TYPE_AIP:
            continue
        price_element = _child(element, "Pris")
        if price_element is None:
            bad(element, "PrisVare", "has no Pris")
            continue
        try:
            price = parse_number(price_element.get("V") or "", maximum=MAX_PRICE_PER_PACK)
        except ValueError as exc:
            bad(price_element, "Pris", str(exc))
            continue
        since_text = _text(_child(element, "GyldigFraDato"))
        try:
            since = parse_date(since_text[:10], ("%Y-%m-%d",)) if since_text else dt.date.min
        except ValueError as exc:
            bad(element, "GyldigFraDato", str(exc))
            continue
        if best is None or since >= best[0]:
            best = (since, price)
    return None if best is None else best[1]


@functools.lru_cache(maxsize=1024)
def _form(display_name: str) -> str | None:
    folded = fold(display_name)
    if not folded:
        return None
    return next((form for prefix, form in FORMS if folded.startswith(prefix)), folded)


def _strength(title: str) -> str | None:
    match = _STRENGTH.search(title)
    return match.group(1).strip() if match else None


@functools.lru_cache(maxsize=4096)
def _company_key(name: str) -> str:
    words = [w for w in fold(name).split() if w not in _LEGAL_SUFFIXES]
    return " ".join(words) or fold(name)


# --- matching and mapping --------------------------------------------------------------------
def read_fest(
    path: str | Path,
    existing: Bundle,
    *,
    add_substances: bool = False,
    progress: ProgressFn | None = None,
) -> SourceImport:
    """Parse a FEST catalogue and map its marketed packs onto the store's state `existing`.

    Packs of substances the store lacks are listed as unmatched, unless `add_substances` creates
    those substances from the catalogue's ATC name and DDD. Raises :class:`ImportRejected` listing
    every problem.
    """
    catalogue = scan_fest(path, progress)
    if catalogue.problems:
        raise ImportRejected(catalogue.problems, what=f"FEST catalogue {catalogue.file}")
    return map_catalogue(catalogue, existing, add_substances=add_substances)


def map_catalogue(
    catalogue: FestCatalogue, existing: Bundle, *, add_substances: bool = False
) -> SourceImport:
    """Products, companies, substances and notices from a scanned catalogue (see :func:`read_fest`)."""
    result = SourceImport(SOURCE, catalogue.file)
    result.records = catalogue.pack_entries
    assert catalogue.retrieved is not None
    today = catalogue.retrieved
    problems: list[Problem] = []
    keys = KeyTracker(catalogue.file, "Varenr")
    for line, entry_id, status in catalogue.inactive:
        result.skip(line, entry_id, f"entry status {status}: not an active entry")
    substances = {str(r["atc_code"]): r for r in existing.rows("substances")}
    products = {str(r["product_id"]): r for r in existing.rows("products")}
    companies = _CompanyIndex(existing)
    candidates = _new_substances(catalogue.packs, substances) if add_substances else {}
    open_notices = {
        r["product_id"]: r
        for r in existing.rows("shortages")
        if r["source"] == SOURCE and r["product_id"] and ShortageStatus(r["status"]).is_open
    }
    in_file: set[str] = set()
    for pack in catalogue.packs:
        if keys.seen(pack.varenr, pack.line, problems):
            continue
        in_file.add(pack.varenr)
        if pack.deregistered is not None and pack.deregistered <= today:
            result.skip(pack.line, pack.varenr, f"deregistered on {pack.deregistered}")
            continue
        if pack.marketed is None:
            result.skip(pack.line, pack.varenr, "not marketed (no Markedsforingsdato)")
            continue
        if pack.marketed > today:
            result.skip(
                pack.line, pack.varenr, f"marketed from {pack.marketed}, after the catalogue date"
            )
            continue
        if pack.atc is None:
            result.unmatch(pack.line, pack.varenr, f"{pack.name}: no ATC code")
            continue
        atc = pack.atc.code
        if pack.atc.level != 5:
            result.unmatch(
                pack.line,
                pack.varenr,
                f"{pack.name}: ATC {atc} is level {pack.atc.level}, not a substance",
            )
            continue
        if pack.ddd_per_pack is None:
            result.unmatch(
                pack.line,
                pack.varenr,
                f"{pack.name}: no DDD per pack (Pakningsinfo lacks DDD or Statistikkfaktor)",
            )
            continue
        if atc not in substances:
            candidate = candidates.get(atc)
            if candidate is not None:
                result.add("substances", candidate, pack.line)
                substances[atc] = candidate
            else:
                why = (
                    "the catalogue gives it no DDD in a supported unit"
                    if add_substances
                    else "import the WHO ATC/DDD file first, or use --add-substances"
                )
                result.unmatch(
                    pack.line, pack.varenr, f"{pack.name}: no substance {atc} in the store ({why})"
                )
                continue
        brand = catalogue.brands.get(pack.brand_id or "")
        old = products.get(pack.varenr)
        holder = companies.holder(brand.producer if brand else None, result, pack.line)
        if holder is None:
            holder = str(old["ma_holder_id"]) if old else companies.unknown(result, pack.line)
        row: Row = dict(old) if old else {"market_share": 0.0}
        if old and old["atc_code"] != atc:
            # Re-classifying a stored pack would orphan its notices and shares: flag it instead.
            result.warn(
                pack.line,
                pack.varenr,
                f"FEST classifies the pack as {atc}, the store as {old['atc_code']}: kept "
                f"{old['atc_code']}",
            )
            atc = str(old["atc_code"])
        row.update(
            product_id=pack.varenr,
            atc_code=atc,
            name=pack.name,
            ma_holder_id=holder,
            form=pack.form or (old["form"] if old else "unknown"),
            ddd_per_pack=pack.ddd_per_pack,
            catalogue_id=pack.pack_id,
        )
        route = pack.route or (brand.route if brand else None)
        for column, value in (
            ("route", route),
            ("strength", _strength(pack.name)),
            ("pack_size", pack.pack_size),
        ):
            if value is not None:
                row[column] = value
        if pack.price is not None:
            row["price_per_pack"] = pack.price
        elif not old:
            row["price_per_pack"] = 0.0
            result.warn(
                pack.line, pack.varenr, "no pharmacy purchase price (PrisVare Type 3): price 0"
            )
        result.add("products", row, pack.line)
        _unavailability(result, pack, row, today, open_notices)
    # Notices of packs in this catalogue that are available again are over.
    for varenr, notice in sorted(open_notices.items()):
        if varenr in in_file:
            closed = dict(notice)
            if notice["start_date"] > today:
                closed["status"] = ShortageStatus.CANCELLED
            else:
                closed.update(status=ShortageStatus.RESOLVED, end_date=today)
            result.add("shortages", closed, None)
    if problems:
        raise ImportRejected(problems, what=f"FEST catalogue {catalogue.file}")
    companies.emit(result)
    return result


def _unavailability(
    result: SourceImport, pack: _Pack, product: Row, today: dt.date, open_notices: dict[Any, Row]
) -> None:
    """A shortage notice for a pack marked temporarily unavailable (MidlUtgattDato)."""
    if pack.unavailable is None:
        return
    notice_id = f"FEST:{pack.varenr}:{pack.unavailable.isoformat()}"
    current = open_notices.get(pack.varenr)
    if current is not None and current["notice_id"] == notice_id:
        del open_notices[pack.varenr]  # still unavailable: keep the notice as it is
    result.add(
        "shortages",
        {
            "notice_id": notice_id,
            "atc_code": product["atc_code"],
            "status": ShortageStatus.ONGOING
            if pack.unavailable <= today
            else ShortageStatus.ANNOUNCED,
            "start_date": pack.unavailable,
            "product_id": pack.varenr,
            "cause": ShortageCause.UNKNOWN,
            "announced_date": None,
            "source": SOURCE,
            "title": f"{pack.name}: temporarily unavailable (midlertidig utgått)"[:200],
        },
        pack.line,
    )


def _new_substances(packs: list[_Pack], known: dict[str, Row]) -> dict[str, Row | None]:
    """Substance rows for the ATC codes the store lacks: the catalogue's name and commonest DDD."""
    names: dict[str, Counter[str]] = {}
    ddds: dict[str, Counter[tuple[float, str]]] = {}
    routes: dict[tuple[str, float, str], Counter[str]] = {}
    for pack in packs:
        if pack.atc is None or pack.atc.level != 5 or pack.atc.code in known:
            continue
        code = pack.atc.code
        names.setdefault(code, Counter())[pack.atc_name or code] += 1
        if pack.ddd is not None and pack.ddd_unit is not None:
            ddds.setdefault(code, Counter())[(pack.ddd, pack.ddd_unit)] += 1
            if pack.route:
                routes.setdefault((code, pack.ddd, pack.ddd_unit), Counter())[pack.route] += 1
    rows: dict[str, Row | None] = {}
    for code, counter in names.items():
        if code not in ddds:
            rows[code] = None
            continue
        (ddd, unit), _ = max(ddds[code].items(), key=lambda kv: (kv[1], -kv[0][0]))
        route = routes.get((code, ddd, unit))
        note = "DDD from the FEST catalogue"
        if route:
            note += f", route {route.most_common(1)[0][0]}"
        rows[code] = {
            "atc_code": code,
            "name": counter.most_common(1)[0][0],
            "ddd": ddd,
            "ddd_unit": unit,
            "ddd_source": DddSource.WHO,
            "ddd_note": note,
        }
    return rows


class _CompanyIndex:
    """MA holders by name: existing companies first, new ones created once per name."""

    UNKNOWN_ID = "unknown-ma-holder"

    def __init__(self, existing: Bundle) -> None:
        self.country = existing.meta.country
        self.countries = {str(r["country"]) for r in existing.rows("countries")}
        self.ids = {str(r["company_id"]) for r in existing.rows("companies")}
        self.by_name = {
            _company_key(str(r["name"])): str(r["company_id"]) for r in existing.rows("companies")
        }
        self.new: dict[str, tuple[Row, int]] = {}

    def holder(self, producer: str | None, result: SourceImport, line: int) -> str | None:
        """The company id of a Produsent name (created when new); None without a name."""
        if not producer:
            return None
        key = _company_key(producer)
        if key in self.by_name:
            return self.by_name[key]
        company_id = slug(producer)
        if company_id in self.ids:
            return company_id
        self.by_name[key] = company_id
        self.new[company_id] = (
            {
                "company_id": company_id,
                "name": producer,
                "country": self.country,
                "domestic": False,
                "roles": ("ma_holder",),
            },
            line,
        )
        return company_id

    def unknown(self, result: SourceImport, line: int) -> str:
        """The placeholder holder of packs whose brand names no producer."""
        if self.UNKNOWN_ID not in self.ids and self.UNKNOWN_ID not in self.new:
            self.new[self.UNKNOWN_ID] = (
                {
                    "company_id": self.UNKNOWN_ID,
                    "name": "Unknown MA holder (FEST gives no producer)",
                    "country": self.country,
                    "roles": ("ma_holder",),
                },
                line,
            )
        result.warn(line, "MA holder", "the pack's brand names no producer: unknown-ma-holder")
        return self.UNKNOWN_ID

    def emit(self, result: SourceImport) -> None:
        """Add the new companies (and the home country, if the store lacks it) to `result`."""
        if self.new and self.country not in self.countries:
            result.add("countries", {"country": self.country, "name": self.country}, None)
        for company_id in sorted(self.new):
            row, line = self.new[company_id]
            result.add("companies", row, line)
            result.warn(
                line,
                company_id,
                f"new MA holder {row['name']!r}: FEST does not give its country; "
                f"recorded in {self.country}",
            )

"""One table across many extraction outputs: programs (on the taxonomy) against documents, places or periods.

`read_facts` reads `minzheng extract` outputs (.jsonl documents, .csv or .parquet fact rows) into one
long frame, a row a fact. `pivot` makes the wide table: a row per (program, kind, unit), a column per
document (or place, period, or a combination), one value a cell; and the long `sources` frame that
keeps, for every cell, every fact that fell into it with its original offsets and whether it gave the
cell's value. Values stay exact Decimals; a cell with several facts takes the first mention by
default (the headline figure; a sum would add totals to their parts).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from inference.taxonomy import Taxonomy, load_taxonomy

BY_KEYS = ("doc", "place", "period")
KINDS = ("count", "amount", "percent")
AGGREGATES = ("first", "max", "sum")
FACT_FILES = (".jsonl", ".csv", ".parquet")
TABLE_FILES = (".csv", ".parquet", ".xlsx")
ROW_KEYS = ["program_id", "program_name", "kind", "unit"]
#: the fact columns a table needs; program_id … period/place may be missing in older outputs
REQUIRED = ("doc", "kind", "value", "unit", "figure", "figure_start", "figure_end", "program")
SOURCE_COLUMNS = ["program_id", "program_name", "kind", "unit", "column", "value", "used", "doc", "place",
                  "period", "path", "sentence", "figure", "figure_start", "figure_end", "program",
                  "program_start", "program_end", "program_match", "program_score", "checks"]
_INT_COLUMNS = ("sentence", "figure_start", "figure_end", "program_start", "program_end")


class TableError(ValueError):
    """An input or an option the table cannot use; the message names the file (and line) and the problem."""


def fact_files(paths: Sequence[Path]) -> list[Path]:
    """The files named, folders expanded to the extraction outputs directly inside them."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in FACT_FILES)
            if not found:
                raise TableError(f"{path}: no extraction output ({', '.join(FACT_FILES)}) in this folder")
            files += found
        elif path.is_file():
            if path.suffix.lower() not in FACT_FILES:
                raise TableError(f"{path}: not an extraction output; expected {', '.join(FACT_FILES)}")
            files.append(path)
        else:
            raise TableError(f"{path}: no such file or directory")
    return files


def _jsonl_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise TableError(f"{path}:{n}: not a JSON line ({err.msg})") from None
            if not isinstance(record, dict) or not isinstance(record.get("facts"), list):
                raise TableError(f"{path}:{n}: not a document record of `minzheng extract` (no `facts` list)")
            period = (record.get("period") or {}).get("label", "")
            place = (record.get("place") or {}).get("name", "")
            for fact in record["facts"]:
                row = {"path": record.get("path", ""), "period": period, "place": place} | fact
                row["checks"] = "; ".join(fact.get("checks") or [])
                rows.append(row)
    return rows


def read_facts(paths: Sequence[Path], taxonomy: Taxonomy | None = None, remap: bool = False) -> pd.DataFrame:
    """Every fact of every output, in file and document order. Programs without a taxonomy id (outputs
    written before the taxonomy, or `remap=True` after extending it) are mapped now."""
    frames = []
    for path in fact_files(paths):
        suffix = path.suffix.lower()
        try:
            if suffix == ".jsonl":
                frame = pd.DataFrame(_jsonl_rows(path))
            elif suffix == ".csv":
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            else:
                frame = pd.read_parquet(path)
        except (OSError, ValueError, csv.Error) as err:
            if isinstance(err, TableError):
                raise
            raise TableError(f"{path}: cannot read: {err}") from err
        if frame.empty:
            continue
        missing = [c for c in REQUIRED if c not in frame.columns]
        if missing:
            raise TableError(f"{path}: not facts of `minzheng extract`: no column(s) {', '.join(missing)}")
        frame["source_file"] = str(path)
        frames.append(frame)
    if not frames:
        raise TableError(f"no facts in {', '.join(map(str, paths))}")
    facts = pd.concat(frames, ignore_index=True)
    for column in ("program_id", "program_name", "program_match", "period", "place", "checks", "path",
                   "program_simplified"):
        if column not in facts.columns:
            facts[column] = ""
        facts[column] = facts[column].fillna("").astype(str)
    if "program_score" not in facts.columns:
        facts["program_score"] = None
    for column in _INT_COLUMNS:
        if column in facts.columns:
            facts[column] = pd.to_numeric(facts[column].replace("", None), errors="coerce").astype("Int64")
    facts["unit"] = facts["unit"].fillna("").astype(str)
    facts["value"] = [_decimal(v, f, n) for n, (v, f) in enumerate(zip(facts["value"], facts["source_file"],
                                                                           strict=True))]
    needs_mapping = facts["program"].astype(bool) & ((facts["program_id"] == "") if not remap else True)
    if needs_mapping.any():
        taxonomy = taxonomy or load_taxonomy()
        for i in facts.index[needs_mapping]:
            found = taxonomy.match(facts.at[i, "program"], facts.at[i, "program_simplified"])
            facts.loc[i, ["program_id", "program_name", "program_match"]] = [found.id, found.name, found.how]
            facts.at[i, "program_score"] = found.score
    facts["order"] = range(len(facts))
    return facts


def _decimal(value, path: str, row: int) -> Decimal | None:
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None  # a range (low/high) or a figure that could not be normalised
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TableError(f"{path}: fact {row + 1}: value {value!r} is not a number") from None


def parse_by(by: str) -> list[str]:
    """'program,doc' -> ['doc']: the column keys (the rows are always the programs)."""
    keys = [k.strip() for k in by.split(",") if k.strip()]
    if len(keys) < 2 or keys[0] != "program" or any(k not in BY_KEYS for k in keys[1:]) or len(set(keys)) != len(keys):
        raise TableError(f"--by {by!r}: give program and then one or more of {', '.join(BY_KEYS)} "
                         "(program,doc; program,place; program,place,period)")
    return keys[1:]


def parse_values(values: str) -> list[str]:
    kinds = [k.strip() for k in values.split(",") if k.strip()]
    if not kinds or any(k not in KINDS for k in kinds):
        raise TableError(f"--values {values!r}: give one or more of {', '.join(KINDS)}")
    return kinds


def _column_label(keys: Sequence[str], row) -> str:
    return " / ".join(str(row[k]) or f"(no {k})" for k in keys)


def pivot(facts: pd.DataFrame, columns: Sequence[str], kinds: Sequence[str] = KINDS, agg: str = "first",
          taxonomy: Taxonomy | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, sources). table: index program_id, program_name, kind, unit (taxonomy order); a column a
    value of `columns` (joined with ' / '), in first-seen order; cells Decimal or None. sources: every
    fact that fell into a cell (SOURCE_COLUMNS), `used` saying whether it gave the cell's value."""
    if agg not in AGGREGATES:
        raise TableError(f"--agg {agg!r}: give one of {', '.join(AGGREGATES)}")
    taxonomy = taxonomy or load_taxonomy()
    chosen = facts[(facts["program_id"] != "") & facts["kind"].isin(kinds) & facts["value"].notna()].copy()
    if chosen.empty:
        raise TableError("no fact with a taxonomy program and a value of the kinds asked for "
                         f"({', '.join(kinds)}): nothing to tabulate")
    labels = pd.Series([_column_label(columns, row) for _, row in facts.iterrows()], index=facts.index, dtype=object)
    chosen["column"] = labels.loc[chosen.index]
    chosen = chosen.sort_values("order", kind="stable")
    chosen["used"] = False
    cells: dict[tuple, Decimal] = {}
    for key, group in chosen.groupby(ROW_KEYS + ["column"], sort=False):
        if agg == "first":
            used = [group.index[0]]
        elif agg == "max":
            used = [group["value"].map(float).idxmax()]
        else:
            used = list(group.index)
        chosen.loc[used, "used"] = True
        cells[key] = sum((chosen.at[i, "value"] for i in used), Decimal(0))
    order = {pid: n for n, pid in enumerate(taxonomy.programs)}
    rows = sorted({k[:4] for k in cells}, key=lambda r: (order.get(r[0], len(order)), KINDS.index(r[2]), r[3]))
    column_names = list(dict.fromkeys(labels))  # every document read is a column, even with no cell filled
    table = pd.DataFrame([[cells.get((*r, c)) for c in column_names] for r in rows],
                         index=pd.MultiIndex.from_tuples(rows, names=ROW_KEYS), columns=column_names, dtype=object)
    for column in SOURCE_COLUMNS:
        if column not in chosen.columns:
            chosen[column] = None
    sources = chosen.assign(_row=[order.get(p, len(order)) for p in chosen["program_id"]]) \
        .sort_values(["_row", "kind", "unit", "order"], kind="stable")[SOURCE_COLUMNS].reset_index(drop=True)
    return table, sources


def companion(out: Path, name: str) -> Path:
    """table.csv -> table.sources.csv: the files written beside the table."""
    return out.with_name(f"{out.stem}.{name}{out.suffix}")


def _plain(value):
    return format(value, "f") if isinstance(value, Decimal) else value


def write_frame(frame: pd.DataFrame, path: Path, index: bool = False) -> None:
    """CSV (UTF-8 with BOM, so that Excel reads the Chinese), Parquet (exact decimals) or Excel."""
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.map(_plain).to_csv(path, index=index, encoding="utf-8-sig")
    elif suffix == ".parquet":
        frame.reset_index().to_parquet(path, index=False) if index else frame.to_parquet(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=index, merge_cells=False)
    else:
        raise TableError(f"{path}: the table must end in {', '.join(TABLE_FILES)}")


def write_table(table: pd.DataFrame, sources: pd.DataFrame, unmatched: list[dict], out: Path) -> list[Path]:
    """The pivot at `out`, its sources and the unmatched programs beside it (same format); the paths."""
    if out.suffix.lower() not in TABLE_FILES:
        raise TableError(f"{out}: the table must end in {', '.join(TABLE_FILES)}")
    written = [out, companion(out, "sources"), companion(out, "unmatched")]
    write_frame(table, out, index=True)
    write_frame(sources, written[1])
    write_frame(pd.DataFrame(unmatched, columns=["program", "facts", "docs", "nearest_id", "nearest_name", "score"]),
                written[2])
    return written

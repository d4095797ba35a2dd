"""`minzheng table`: one pivot across many extraction outputs, its sources, and a page of charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def table_cmd(
    facts: Annotated[list[Path], typer.Argument(help="Outputs of `minzheng extract` (.jsonl, .csv, .parquet) or "
                                                      "folders of them.")],
    by: Annotated[str, typer.Option("--by", help="program, then one or more of doc, place, period: the rows are "
                                                 "the programs, the columns the rest (program,place,period).")]
        = "program,doc",
    values: Annotated[str, typer.Option("--values", help="The kinds of figures to tabulate.")]
        = "count,amount,percent",
    agg: Annotated[str, typer.Option("--agg", help="Several facts in one cell: first (the first mention), max "
                                                   "or sum.")] = "first",
    out: Annotated[Path, typer.Option("--out", help="The pivot: .csv, .parquet or .xlsx. Beside it: "
                                                    "NAME.sources.EXT (every cell's facts and their offsets) and "
                                                    "NAME.unmatched.EXT (programs not on the taxonomy).")]
        = Path("out/table.csv"),
    html: Annotated[Path | None, typer.Option("--html", help="Also write a page: the pivot and one chart per "
                                                              "program across the columns.")] = None,
    remap: Annotated[bool, typer.Option("--remap", help="Map every program on the taxonomy again (after "
                                                        "extending inference/data/programs.yaml).")] = False,
) -> None:
    """A table of programs across reports: one value a cell, the source of every cell kept."""
    from rich.console import Console

    from inference.table import TableError, parse_by, parse_values, pivot, read_facts, write_table
    from inference.table_html import write_page
    from inference.taxonomy import load_taxonomy, unmatched_programs

    console = Console()
    try:
        columns, kinds = parse_by(by), parse_values(values)
        taxonomy = load_taxonomy()
        facts = read_facts(facts, taxonomy, remap=remap)
        table, sources = pivot(facts, columns, kinds, agg, taxonomy)
        unmatched = unmatched_programs(facts.to_dict("records"), taxonomy)
        written = write_table(table, sources, unmatched, out)
    except TableError as err:
        raise typer.BadParameter(str(err)) from err
    docs = facts["doc"].nunique()
    console.print(f"{len(facts)} facts from {docs} documents → {len(table)} rows × {len(table.columns)} columns "
                  f"({int(sources['used'].sum())} facts give the cells)")
    if unmatched:
        shown = ", ".join(f"{u['program']} ({u['facts']}×)" for u in unmatched[:10])
        console.print(f"{len(unmatched)} programs not on the taxonomy: {shown}"
                      + (" …" if len(unmatched) > 10 else ""))
    for path in written:
        console.print(f"  {path}")
    if html is not None:
        console.print(f"  {write_page(html, table, sources, columns, unmatched)}")

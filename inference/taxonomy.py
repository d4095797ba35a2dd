"""The program taxonomy (inference/data/programs.yaml) and the matcher that puts a fact's PROGRAM on it.

A name is looked up as written and in its simplified form, in this order:
  exact     the canonical name of a program (simplified or traditional script)
  alias     one of its aliases (simplified or traditional)
  compound  names joined by 和/及/与 that match different programs: their nearest common ancestor
  nearest   the most similar name by characters, at or above MIN_SCORE: the Dice coefficient of the two
            names' character bigrams, or, when a taxonomy name is written inside the surface
            (特困人员住院护理保险 ⊃ 特困人员), 0.5 + half the share of the surface it covers
  none      nothing close enough: `unmatched_programs` lists these so the taxonomy can be extended
Before the lookup, pinyin glosses, width, white space and quotes are normalised away, and a generic
head that the guidelines keep outside PROGRAM spans (资金, 对象, 人数 …) is tried without.

`python -m inference.taxonomy --write-traditional` regenerates the file's `traditional` lists.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from corpus.cleaning import CleaningConfig
from corpus.offsets import EditBuilder
from corpus.steps import STEPS

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "programs.yaml"
MIN_SCORE = 0.6          # below this a nearest name is too far to trust (a shared word, not the program)
MATCH_KINDS = ("exact", "alias", "compound", "nearest", "none")
# Heads the annotation guidelines leave outside a PROGRAM span; a model may still include them.
GENERIC_HEADS = ("补助资金", "人员数", "资金", "经费", "对象", "人数", "户数", "总数", "金", "款")
_JOINERS = re.compile("[和及与]")
_QUOTES = re.compile(r"[\s“”\"'‘’《》「」『』〈〉]")
_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_OPENCC_TRADITIONAL = ("s2t", "s2tw", "s2hk")  # mainland, Taiwan and Hong Kong traditional forms
# The corpus steps that change how a name is spelled, not what it says: 城鄉(xiāng) -> 城鄉, （ -> (.
# Run one by one, not through the document pipeline, whose guard withholds a step that removes much
# of a text: a gloss is most of a short name.
_NAME_STEPS = ("pinyin_glosses", "width")
_STEP_CONFIG = CleaningConfig()


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Program:
    id: str
    name: str
    aliases: tuple[str, ...]
    traditional: tuple[str, ...]
    parent: str | None
    line: int                      # where it is defined in the YAML file


@dataclass(frozen=True)
class ProgramMatch:
    """Where a written program name lands: id and canonical name ("" for none), how, and how sure."""

    id: str
    name: str
    how: str                       # one of MATCH_KINDS
    score: float | None            # 1.0 exact/alias; similarity for nearest/compound; None for none
    matched: str = ""              # the taxonomy name or alias it matched


NO_MATCH = ProgramMatch("", "", "none", None)


@lru_cache(maxsize=4096)
def normalize_name(text: str) -> str:
    """The name as the lookup sees it: no pinyin glosses, half-width, no white space or quotes."""
    for step in _NAME_STEPS:
        builder = EditBuilder(text)
        STEPS[step](text, builder, _STEP_CONFIG, "txt")
        text, _ = builder.build()
    return _QUOTES.sub("", text)


@cache   # one converter per configuration, kept: building one takes ~50 ms
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


@lru_cache(maxsize=4096)
def simplified(text: str) -> str:
    return _opencc("t2s").convert(text)


def traditional_forms(names: Iterable[str]) -> list[str]:
    """Every traditional spelling OpenCC gives for the names (mainland, Taiwan, Hong Kong), in order, once."""
    out: list[str] = []
    seen = set(names)
    for name in names:
        for config in _OPENCC_TRADITIONAL:
            form = _opencc(config).convert(name)
            if form not in seen:
                seen.add(form)
                out.append(form)
    return out


def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset([text])


def similarity(surface: str, name: str, surface_bigrams: frozenset[str] | None = None,
               name_bigrams: frozenset[str] | None = None) -> float:
    """Dice of character bigrams; a name written inside the surface scores at least 0.5 + its share / 2.
    The bigram sets may be passed in when already known (nearest() scores one surface against every name)."""
    a = surface_bigrams if surface_bigrams is not None else _bigrams(surface)
    b = name_bigrams if name_bigrams is not None else _bigrams(name)
    score = 2 * len(a & b) / (len(a) + len(b))
    if name and name in surface:
        score = max(score, 0.5 + 0.5 * len(name) / len(surface))
    return score


class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping, so that errors can name it."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


class Taxonomy:
    """Programs by id (in file order), and the lookups the matcher uses."""

    def __init__(self, programs: Sequence[Program], version: str, path: Path):
        self.programs = {p.id: p for p in programs}
        self.version = version
        self.path = path
        self._lookup: dict[str, tuple[str, str, str]] = {}   # normalised name -> (id, how, name)
        self._names: list[tuple[str, str, frozenset[str]]] = []  # (simplified name, id, bigrams)
        self._matched: dict[tuple[str, str], ProgramMatch] = {}  # match() results: reports repeat their programs
        self._with_bigram: dict[str, list[int]] = {}  # bigram -> indices into _names (nearest() scores only those)
        defined: dict[str, Program] = {}
        for p in programs:
            for how, names in (("exact", (p.name, *traditional_forms([p.name]))),
                               ("alias", (*p.aliases, *p.traditional))):
                for written in names:
                    key = normalize_name(written)
                    other = defined.get(key)
                    if other is not None and other.id != p.id:
                        raise TaxonomyError(f"{path}:{p.line}: program {p.id!r}: name {written!r} is already "
                                            f"used by {other.id!r} (line {other.line})")
                    if other is None:
                        defined[key] = p
                        self._lookup[key] = (p.id, how, written)
            for written in (p.name, *p.aliases):
                key = normalize_name(written)
                self._names.append((key, p.id, _bigrams(key)))
        for i, (_, _, grams) in enumerate(self._names):
            for gram in grams:
                self._with_bigram.setdefault(gram, []).append(i)
        self._short = [i for i, (key, _, _) in enumerate(self._names) if len(key) == 1]  # no bigram of their own

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> Taxonomy:
        path = Path(path)
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
        except OSError as err:
            raise TaxonomyError(f"{path}: cannot read the taxonomy: {err}") from err
        except yaml.YAMLError as err:
            raise TaxonomyError(f"{path}: not valid YAML: {err}") from err
        if not isinstance(data, dict) or not isinstance(data.get("programs"), list) or "version" not in data:
            raise TaxonomyError(f"{path}: expected a mapping with `version` and a list `programs`")
        programs: list[Program] = []
        seen: dict[str, int] = {}

        def walk(nodes, parent: str | None) -> None:
            if not isinstance(nodes, list):
                raise TaxonomyError(f"{path}: `children` of {parent!r} must be a list")
            for node in nodes:
                if not isinstance(node, dict):
                    raise TaxonomyError(f"{path}: a program under {parent!r} is not a mapping: {node!r}")
                line = node.get("__line__", 0)
                pid, name = node.get("id"), node.get("name")
                where = f"{path}:{line}: program {pid!r}"
                unknown = set(node) - {"id", "name", "aliases", "traditional", "children", "__line__"}
                if unknown:
                    raise TaxonomyError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
                if not isinstance(pid, str) or not _ID.fullmatch(pid):
                    raise TaxonomyError(f"{where}: id must be lower-case ASCII words joined by '.'")
                if pid in seen:
                    raise TaxonomyError(f"{where}: id already defined on line {seen[pid]}")
                if "." in pid and pid.rpartition(".")[0] != parent:
                    raise TaxonomyError(f"{where}: a dotted id must start with its parent's id ({parent!r})")
                if not isinstance(name, str) or not name:
                    raise TaxonomyError(f"{where}: `name` is missing")
                lists = {}
                for key in ("aliases", "traditional"):
                    value = node.get(key, [])
                    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                        raise TaxonomyError(f"{where}: `{key}` must be a list of non-empty strings")
                    lists[key] = tuple(value)
                seen[pid] = line
                programs.append(Program(pid, name, lists["aliases"], lists["traditional"], parent, line))
                walk(node.get("children", []), pid)

        walk(data["programs"], None)
        return cls(programs, str(data["version"]), path)

    # -- the tree ------------------------------------------------------------------------------------
    def ancestors(self, pid: str) -> list[str]:
        """pid, its parent, …, its sector."""
        out = []
        while pid:
            out.append(pid)
            pid = self.programs[pid].parent or ""
        return out

    def common_ancestor(self, ids: Iterable[str]) -> str | None:
        chains = [self.ancestors(i) for i in ids]
        shared = set(chains[0]).intersection(*chains[1:]) if chains else set()
        return next((a for a in chains[0] if a in shared), None) if chains else None

    def sector(self, pid: str) -> str:
        return self.ancestors(pid)[-1]

    # -- matching ------------------------------------------------------------------------------------
    def _found(self, key: str) -> ProgramMatch | None:
        hit = self._lookup.get(key)
        if hit is None:
            return None
        pid, how, written = hit
        return ProgramMatch(pid, self.programs[pid].name, how, 1.0, written)

    def _lookup_keys(self, keys: Sequence[str]) -> ProgramMatch | None:
        for key in keys:
            if (found := self._found(key)) is not None:
                return found
        for key in keys:
            for head in GENERIC_HEADS:
                if key.endswith(head) and len(key) - len(head) >= 2:
                    if (found := self._found(key[: -len(head)])) is not None:
                        return found
        return None

    def nearest(self, surface: str) -> ProgramMatch:
        """The most similar taxonomy name, whatever its score (how='nearest'); ties go to the longer name.

        When the best name is an ancestor of another program whose name is also written in the surface
        and scores MIN_SCORE, the more specific program wins (半失能特困…集中供养服务中心 -> 集中供养)."""
        if not surface:
            return NO_MATCH
        grams = _bigrams(surface)
        # Only names sharing a bigram with the surface (or written inside it) can score above 0; the
        # others are scored too only when none does, so the order below is the same as scoring them all.
        near = {i for gram in grams for i in self._with_bigram.get(gram, ())}
        near |= {i for i in self._short if self._names[i][0] in surface}
        scored = sorted(((similarity(surface, self._names[i][0], grams, self._names[i][2]), len(self._names[i][0]),
                          -i, self._names[i][1], self._names[i][0]) for i in near), reverse=True)
        if not scored or scored[0][0] <= 0:
            scored = sorted(((similarity(surface, key, grams, key_grams), len(key), -i, pid, key)
                             for i, (key, pid, key_grams) in enumerate(self._names)), reverse=True)
        score, _, _, pid, key = scored[0]
        for s, _, _, other, other_key in scored[1:]:
            if s < MIN_SCORE:
                break
            if other_key in surface and other_key not in key and pid in self.ancestors(other)[1:]:
                score, pid, key = s, other, other_key
        return ProgramMatch(pid, self.programs[pid].name, "nearest", round(score, 4), key)

    def match(self, written: str, simplified_form: str = "") -> ProgramMatch:
        """Map a program name (as written; its cleaned simplified form if known) onto the taxonomy."""
        key = (written, simplified_form)
        found = self._matched.get(key)
        if found is None:
            if len(self._matched) >= 100_000:  # bounded: a run over thousands of reports must not grow
                self._matched.clear()
            found = self._matched[key] = self._match(written, simplified_form)
        return found

    def _match(self, written: str, simplified_form: str) -> ProgramMatch:
        plain = normalize_name(written) if written else ""
        simple = normalize_name(simplified_form) if simplified_form else simplified(plain)
        keys = list(dict.fromkeys(k for k in (plain, simple) if k))
        if not keys:
            return NO_MATCH
        if (found := self._lookup_keys(keys)) is not None:
            return found
        parts = [p for p in _JOINERS.split(simple) if p]
        if len(parts) > 1:
            matches = [self._lookup_keys([p]) or self.nearest(p) for p in parts]
            if all(m.id and (m.score or 0) >= MIN_SCORE for m in matches) and len({m.id for m in matches}) > 1:
                common = self.common_ancestor(m.id for m in matches)
                if common is not None:
                    return ProgramMatch(common, self.programs[common].name, "compound",
                                        min(m.score or 0 for m in matches), "+".join(m.matched for m in matches))
        best = self.nearest(simple)
        return best if (best.score or 0) >= MIN_SCORE else NO_MATCH


@lru_cache(maxsize=4)
def load_taxonomy(path: str | Path = DEFAULT_PATH) -> Taxonomy:
    """The taxonomy at `path` (default: the project's), loaded once."""
    return Taxonomy.load(path)


def unmatched_programs(facts: Iterable[dict], taxonomy: Taxonomy | None = None) -> list[dict]:
    """Linked programs that matched nothing: {program, facts, docs, nearest_id, nearest_name, score}, most
    frequent first, so that a user can see what to add to the taxonomy (an alias, or a new program)."""
    taxonomy = taxonomy or load_taxonomy()
    rows: dict[str, dict] = {}
    for fact in facts:
        if not fact.get("program") or fact.get("program_match") not in ("none", None, ""):
            continue
        name = fact.get("program_simplified") or fact["program"]
        row = rows.setdefault(name, {"program": name, "facts": 0, "docs": set()})
        row["facts"] += 1
        row["docs"].add(fact.get("doc", ""))
    out = []
    for row in rows.values():
        near = taxonomy.nearest(normalize_name(row["program"]))
        if not near.score:  # not a character in common: no suggestion
            near = NO_MATCH
        out.append({"program": row["program"], "facts": row["facts"], "docs": "; ".join(sorted(row["docs"])),
                    "nearest_id": near.id, "nearest_name": near.name, "score": near.score})
    return sorted(out, key=lambda r: (-r["facts"], r["program"]))


# -- regenerating the traditional aliases ------------------------------------------------------------
_TRADITIONAL_LINE = re.compile(r"^(?P<indent>\s*)traditional:.*$")
_NAME_LINE = re.compile(r"^(?P<indent>\s*)(?:- )?name: (?P<value>.+)$")
_ALIASES_LINE = re.compile(r"^(?P<indent>\s*)aliases: (?P<value>\[.*\])$")


def write_traditional(path: Path = DEFAULT_PATH) -> int:
    """Rewrite every program's `traditional:` line from its name and aliases; returns how many changed.

    Line-based, so that the file's comments and layout stay as they are: each program's `traditional`
    goes right after its `aliases` line (or its `name` line when it has none)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    changed = 0
    pending: tuple[str, list[str]] | None = None   # (indent, names) of the program being read

    def flush() -> None:
        nonlocal pending, changed
        if pending is not None:
            indent, names = pending
            forms = traditional_forms(names)
            if forms:
                out.append(f"{indent}traditional: {json.dumps(forms, ensure_ascii=False)}")
                changed += 1
            pending = None

    for line in lines:
        if _TRADITIONAL_LINE.match(line):
            continue  # regenerated below
        name = _NAME_LINE.match(line)
        aliases = _ALIASES_LINE.match(line)
        if name:
            flush()
            out.append(line)
            indent = name["indent"] + ("  " if line.lstrip().startswith("- ") else "")
            pending = (indent, [name["value"].strip().strip('"')])
            continue
        if aliases and pending is not None:
            out.append(line)
            pending[1].extend(json.loads(aliases["value"]))
            flush()
            continue
        flush()
        out.append(line)
    flush()
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-traditional", action="store_true",
                        help="regenerate the `traditional` lists of the taxonomy file with OpenCC")
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("names", nargs="*", help="program names to match")
    args = parser.parse_args(argv)
    if args.write_traditional:
        print(f"{args.path}: traditional forms written for {write_traditional(args.path)} programs")
    taxonomy = Taxonomy.load(args.path)
    for name in args.names:
        m = taxonomy.match(name)
        print(f"{name}\t{m.id or '-'}\t{m.name}\t{m.how}\t{m.score}\t{m.matched}")


if __name__ == "__main__":  # pragma: no cover
    main()

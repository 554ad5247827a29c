"""Edit: the one stage that uses LibCST. A file with fixes is parsed once more, by LibCST, its edits
located by the positions of the facts, applied in the file's own layout, and verified on Python's AST."""

from __future__ import annotations

from .plan import EditPlan
from .read import LoadedFile, LoadError
from .verify import unintended_change


def rewrite(file: LoadedFile, plan: EditPlan, line_length: int, original: LoadedFile) -> bytes:
    """The file's new source, proven to differ from `original` only by our kinds of edits (see verify.py)."""
    try:
        return _rewrite(file, plan, line_length, original)
    except (RecursionError, MemoryError) as error:  # LibCST recurses where Python's parser does not
        raise LoadError("fixes not applied: the file is nested too deeply for LibCST's parser") from error


def _rewrite(file: LoadedFile, plan: EditPlan, line_length: int, original: LoadedFile) -> bytes:
    import libcst as cst

    from .edits import Layout, apply
    from .locate import Locator
    from .syntax import split_lines

    try:
        module = cst.parse_module(file.source)
    except (cst.ParserSyntaxError, UnicodeError, LookupError, SyntaxError, ValueError) as error:
        raise LoadError(f"fixes not applied: LibCST cannot parse the file ({error})") from error
    locator = Locator(module, file.text)
    try:
        edits = plan.realize(locator)
    except LookupError as error:
        raise LoadError(f"internal error, file left unchanged: {error}") from error
    layout = Layout(line_length, split_lines(module.code), locator.ranges, module.default_indent)
    new = apply(module, edits, layout)
    problem = unintended_change(original.text.text, new.code, old_tree=original.tree)
    if problem is not None:
        raise LoadError(f"internal error, file left unchanged: {problem}")
    return new.bytes




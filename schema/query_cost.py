"""Limits on a GraphQL document, checked in one pass before any validation rule or resolver sees it.

Cost: list fields multiply the cost of what they select by their page size, so
`customers(first: 100) { edges { node { securityEvents(first: 100) { … } } } }` costs about 10,000 and is
refused, where depth and alias limits alone would let it through. Depth and aliases count as strawberry's
limiters did (fragments expanded), and directives are counted as written.

The walk measures each fragment once and reuses the result wherever it is spread, so a document whose
fragments each spread the next one twice (2^30 expanded selections in 1 KB) costs as many steps as it has
selections. It keeps its own stack (no recursion limit to hit) and stops at the first limit passed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionNode,
    VariableNode,
    get_named_type,
)

# Page size assumed for list fields that take `first` but were not given one (our connections default to 20).
DEFAULT_PAGE = 20
# A page size written with more digits than this is as good as infinite (and int() refuses 4,300+ digits).
_MAX_PAGE_DIGITS = 12
_MAX_PAGE = 10**_MAX_PAGE_DIGITS


@dataclass(frozen=True)
class Limits:
    max_cost: int
    max_depth: int
    max_aliases: int
    max_directives: int


@dataclass(frozen=True)
class Measure:
    """What one selection set adds up to, with every fragment in it expanded."""

    cost: int = 0
    levels: int = 0  # fields on the longest path down, the leaf included
    aliases: int = 0


_NOTHING = Measure()


class LimitExceeded(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


def _page_size(field: FieldNode, variables: dict[str, Any], default: int | None = DEFAULT_PAGE) -> int:
    """The page a list field asks for; a paginated field given no size costs its `default` page (None: the field
    is not paginated, and costs one)."""
    for argument in field.arguments or ():
        if argument.name.value not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(_int_literal(value), 1)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            # Capped like a literal: a variable is not checked against Int's range before this count, and a
            # cost past 64 bits could not be written into the error's JSON (a 500 instead of the refusal).
            return min(max(int(given), 1), _MAX_PAGE) if isinstance(given, int) else DEFAULT_PAGE
        return DEFAULT_PAGE
    return max(default, 1) if default is not None else 1


def _int_literal(node: IntValueNode) -> int:
    digits = node.value.lstrip("-")
    return _MAX_PAGE if len(digits) > _MAX_PAGE_DIGITS else int(node.value)


def _with_defaults(document: DocumentNode, given: dict[str, Any]) -> dict[str, Any]:
    """The variables as the server will see them: a variable not sent takes its default, the largest one when
    operations of the document declare it differently (their fragments are shared)."""
    merged = dict(given)
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for variable in definition.variable_definitions or ():
            name = variable.variable.name.value
            default = variable.default_value
            if name in given or not isinstance(default, IntValueNode):
                continue
            value = _int_literal(default)
            previous = merged.get(name)
            merged[name] = value if not isinstance(previous, int) else max(previous, value)
    return merged


class _Frame:
    """One selection set being measured: how far through its selections, and what they add up to so far."""

    __slots__ = ("aliases", "cost", "fragment", "index", "levels", "page", "selections", "type", "waiting")

    def __init__(
        self, selections: Sequence[SelectionNode], fragment: str | None = None, type_: GraphQLNamedType | None = None
    ) -> None:
        self.selections = selections
        self.type = type_  # the type these selections are made on, when the schema knows it
        self.fragment = fragment  # the fragment whose measure this is, remembered when done
        self.index = 0
        self.cost = 0
        self.levels = 0
        self.aliases = 0
        self.waiting: SelectionNode | None = None  # the selection whose own selection set is on the stack
        self.page = 1  # the waiting field's page size

    def absorb(self, selection: SelectionNode, inner: Measure) -> None:
        if isinstance(selection, FieldNode):
            self.cost += 1 + self.page * inner.cost
            self.aliases += inner.aliases + (1 if selection.alias else 0)
            # Introspection fields do not count towards depth (strawberry's limiter skipped them too).
            below = 0 if selection.name.value.startswith("__") else inner.levels
            self.levels = max(self.levels, 1 + below)
        else:
            self.cost += inner.cost
            self.aliases += inner.aliases
            self.levels = max(self.levels, inner.levels)
        self.index += 1


class DocumentWalk:
    """Measures every operation and fragment of one document against `limits`; `visited` counts the
    selections looked at (the work done), which never exceeds the selections written in the document."""

    def __init__(
        self,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        limits: Limits,
        schema: GraphQLSchema | None = None,
    ) -> None:
        self.document = document
        self.schema = schema
        self.variables = _with_defaults(document, variables if isinstance(variables, dict) else {})
        self.limits = limits
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.measured: dict[str, Measure] = {}
        self.in_progress: set[str] = set()
        self.visited = 0
        self.directives = 0
        self.aliases = 0

    def check(self) -> None:
        """Raises LimitExceeded with the error to answer, at the first limit passed."""
        for definition in self.document.definitions:
            if isinstance(definition, (OperationDefinitionNode, FragmentDefinitionNode)):
                self._count_directives(len(definition.directives or ()))
            if isinstance(definition, OperationDefinitionNode):
                for variable in definition.variable_definitions or ():
                    self._count_directives(len(variable.directives or ()))
                root = self.schema.get_root_type(definition.operation) if self.schema is not None else None
                measure = self._measure(definition.selection_set.selections, None, root)
                self.aliases += measure.aliases  # summed over operations, as strawberry's limiter did
                self._check_aliases(self.aliases)
            elif isinstance(definition, FragmentDefinitionNode):
                name = definition.name.value
                condition = self._type(definition.type_condition.name.value)
                if self.fragments[name] is not definition:  # a duplicate name (refused by validation)
                    self._measure(definition.selection_set.selections, None, condition)
                elif name not in self.measured:
                    self.in_progress.add(name)
                    self._measure(definition.selection_set.selections, name, condition)

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name) if self.schema is not None else None

    def _field_type(
        self, parent: GraphQLNamedType | None, field: FieldNode
    ) -> tuple[GraphQLNamedType | None, int | None]:
        """The named type a field returns and, when it takes a page size, the page it gives by default."""
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return None, None
        definition = parent.fields.get(field.name.value)
        if definition is None:
            return None, None
        page = definition.args.get("first") or definition.args.get("last")
        if page is None:
            return get_named_type(definition.type), None
        default = page.default_value
        return get_named_type(definition.type), default if isinstance(default, int) else DEFAULT_PAGE

    def _measure(
        self, selections: Sequence[SelectionNode], fragment: str | None, type_: GraphQLNamedType | None
    ) -> Measure:
        stack = [_Frame(selections, fragment, type_)]
        while True:
            frame = stack[-1]
            if frame.index == len(frame.selections):
                stack.pop()
                measure = Measure(frame.cost, frame.levels, frame.aliases)
                if frame.fragment is not None:
                    self.measured[frame.fragment] = measure
                    self.in_progress.discard(frame.fragment)
                if not stack:
                    return measure
                parent = stack[-1]
                assert parent.waiting is not None
                parent.absorb(parent.waiting, measure)
                parent.waiting = None
                self._check(parent)
                continue
            selection = frame.selections[frame.index]
            self.visited += 1
            self._count_directives(len(selection.directives or ()))
            if isinstance(selection, (FieldNode, InlineFragmentNode)):
                if selection.selection_set is None:
                    frame.absorb(selection, _NOTHING)
                    self._check(frame)
                    continue
                inner_type = frame.type
                if isinstance(selection, FieldNode):
                    inner_type, default_page = self._field_type(frame.type, selection)
                    frame.page = _page_size(selection, self.variables, default_page)
                elif selection.type_condition is not None:
                    inner_type = self._type(selection.type_condition.name.value)
                frame.waiting = selection
                stack.append(_Frame(selection.selection_set.selections, None, inner_type))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                known = self.measured.get(name)
                definition = self.fragments.get(name)
                if known is not None or definition is None or name in self.in_progress:
                    # Unknown fragments and cycles count nothing here: validation refuses both.
                    frame.absorb(selection, known or _NOTHING)
                    self._check(frame)
                else:
                    self.in_progress.add(name)
                    frame.waiting = selection
                    condition = self._type(definition.type_condition.name.value)
                    stack.append(_Frame(definition.selection_set.selections, name, condition))

    def _check(self, frame: _Frame) -> None:
        # A part over a limit puts the whole over it: stop at once.
        if frame.cost > self.limits.max_cost:
            raise LimitExceeded(
                GraphQLError(
                    f"Query is too expensive: cost {frame.cost} or more, limit {self.limits.max_cost}. "
                    "Ask for smaller pages.",
                    extensions={"code": "QUERY_TOO_EXPENSIVE", "cost": frame.cost, "maxCost": self.limits.max_cost},
                )
            )
        self._check_aliases(frame.aliases)
        # A top-level field is at depth 0, so `levels` fields on a path reach depth `levels - 1`.
        if frame.levels - 1 > self.limits.max_depth:
            raise LimitExceeded(
                GraphQLError(
                    f"The document is nested deeper than the maximum depth of {self.limits.max_depth}.",
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED", "maxDepth": self.limits.max_depth},
                )
            )

    def _check_aliases(self, aliases: int) -> None:
        if aliases > self.limits.max_aliases:
            raise LimitExceeded(
                GraphQLError(
                    f"The document has more than {self.limits.max_aliases} aliases.",
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED", "maxAliases": self.limits.max_aliases},
                )
            )

    def _count_directives(self, count: int) -> None:
        self.directives += count
        if self.directives > self.limits.max_directives:
            raise LimitExceeded(
                GraphQLError(
                    f"The document has more than {self.limits.max_directives} directives.",
                    extensions={"code": "TOO_MANY_DIRECTIVES", "maxDirectives": self.limits.max_directives},
                )
            )


def check_document(
    document: DocumentNode, variables: dict[str, Any] | None, limits: Limits, schema: GraphQLSchema | None = None
) -> GraphQLError | None:
    """The error that refuses `document`, or None when it is within every limit. With the schema, a field that
    takes `first`/`last` but was given neither costs its default page (the argument's default, or DEFAULT_PAGE)."""
    try:
        DocumentWalk(document, variables, limits, schema).check()
    except LimitExceeded as exceeded:
        return exceeded.error
    return None

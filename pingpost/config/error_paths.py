"""From a pydantic error `loc` to the YAML path it points at, by walking the model types.

A pydantic `loc` mixes data keys with union tags (`auth.bearer.token`,
`accept.path.equals`, `vars.a.str`); the YAML path has only the keys.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pingpost.config.marks import NodePath


@dataclass(frozen=True)
class Located:
    path: NodePath  # YAML path of the node at fault
    owner: type[BaseModel] | None  # model owning the last key
    annotation: Any  # type expected at that node (None when unknown)
    key_error: bool  # the loc ends in `[key]`: the mapping key itself is wrong


def locate(model: type[BaseModel], loc: Sequence[int | str]) -> Located:
    tp: Any = model
    path: list[Any] = []
    owner: type[BaseModel] | None = None
    key_error = False
    for elem in loc:
        tp = strip(tp)
        if elem == "[key]":
            key_error = True
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            owner = tp
            found = _field(tp, elem)
            path.append(elem)
            tp = found.annotation if found else None
        elif _origin(tp) is dict:
            path.append(elem)
            tp = typing.get_args(tp)[1]
        elif _origin(tp) in (tuple, list):
            path.append(elem)
            tp = typing.get_args(tp)[0]
        elif _is_union(tp):
            member = _member(tp, elem)
            if member is None:  # a data key under an unknown type: keep it
                path.append(elem)
                tp = None
            else:
                tp = member
        else:
            path.append(elem)
            tp = None
    return Located(tuple(path), owner, tp, key_error)


def strip(tp: Any) -> Any:
    """Unwrap Annotated and Optional."""
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if _is_union(tp):
            members = [m for m in typing.get_args(tp) if m is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _origin(tp: Any) -> Any:
    return typing.get_origin(tp)


def _is_union(tp: Any) -> bool:
    return _origin(tp) in (typing.Union, types.UnionType)


def _field(model: type[BaseModel], elem: int | str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if elem in (info.alias, name):
            return info
    return None


def _member(union: Any, elem: int | str) -> Any:
    """The union member a pydantic loc element names: a Tag, a `type` literal, or a label."""
    for member in typing.get_args(union):
        if typing.get_origin(member) is typing.Annotated:
            inner, *meta = typing.get_args(member)
            if any(getattr(m, "tag", None) == elem for m in meta):
                return inner
            member = inner
        if isinstance(member, type) and issubclass(member, BaseModel):
            kind = member.model_fields.get("type")
            if kind is not None and elem in typing.get_args(kind.annotation):
                return member
        if elem == _label(member):
            return member
    return None


def _label(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else str(tp)

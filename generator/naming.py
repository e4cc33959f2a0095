"""Turning names from a spec into Python identifiers, the same way everywhere."""

from __future__ import annotations

import keyword
import re
from collections.abc import Container

from packaging.version import InvalidVersion, Version

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")
# Names a class or module attribute should not take: what the models module imports
# (datamodel-code-generator's and ours), which a schema's class would shadow.
_RESERVED_CLASS_NAMES = frozenset(
    {
        "Annotated",
        "Any",
        "AnyUrl",
        "AwareDatetime",
        "BaseModel",
        "ConfigDict",
        "Decimal",
        "Enum",
        "Field",
        "IntEnum",
        "LenientDatetime",
        "Literal",
        "None",
        "RootModel",
        "StrEnum",
        "TypeAliasType",
        "UUID",
        "ValidationInfo",
    }
)


def words(name: str) -> list[str]:
    """The words of a name in any style: ``experiments_list``, ``getPet``, ``pet-info``, ``HTTPError``."""
    return _WORD.findall(re.sub(r"[^A-Za-z0-9]+", " ", name))


def class_name(name: str) -> str:
    """``PascalCase``, valid as a Python class name."""
    result = "".join(word[:1].upper() + word[1:] for word in words(name)) or "Model"
    if result[0].isdigit():
        result = "Model" + result
    if result in _RESERVED_CLASS_NAMES:
        result += "Model"
    return result


def snake_name(name: str) -> str:
    """``snake_case``, valid as a Python identifier and never a keyword."""
    result = "_".join(word.lower() for word in words(name)) or "value"
    if result[0].isdigit():
        result = "n" + result
    if keyword.iskeyword(result) or keyword.issoftkeyword(result) or result in ("self", "cls"):
        result += "_"
    return result


def numbered(base: str, taken: Container[str], separator: str = "") -> str:
    """``base``, or the first of ``base2``, ``base3``, ... (with ``separator`` before the number) not taken."""
    name, number = base, 2
    while name in taken:
        name, number = f"{base}{separator}{number}", number + 1
    return name


def package_version(version: str) -> str:
    """A PEP 440 version for ``info.version``, which may be any text (``2017-03-01-preview``).

    A valid version is normalized; otherwise its numbers make the release and its other words a
    local label (``2017.3.1+preview``), so that packaging never refuses what the spec says.
    """
    try:
        return str(Version(version))
    except InvalidVersion:
        pass
    numbers = [str(int(number)) for number in re.findall(r"[0-9]+", version)]
    labels = [word.lower() for word in re.findall(r"[A-Za-z]+", version)]
    release = ".".join(numbers) or "0"
    return f"{release}+{'.'.join(labels)}" if labels else release

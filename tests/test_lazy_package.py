"""The models module cut into one module per model, or per reference cycle."""

from __future__ import annotations

from generator.render.lazy_package import split_into_package

CODE = """
from __future__ import annotations

from pydantic import BaseModel


class Owner(BaseModel):
    pets: list[Pet] | None = None


class Pet(BaseModel):
    owner: Owner | None = None
    tag: Tag | None = None


class Tag(BaseModel):
    name: str


class {long}(BaseModel):
    tag: Tag
"""


def test_a_cycle_shares_a_module_and_the_rest_import_what_they_use() -> None:
    files = split_into_package(CODE.format(long="Short"), "# header\n", "The models.")
    assert sorted(files) == ["__init__.py", "owner.py", "short.py", "tag.py"]
    assert "class Owner" in files["owner.py"]
    assert "class Pet" in files["owner.py"]
    assert "from .tag import Tag" in files["owner.py"]
    assert "from .owner import" not in files["tag.py"]
    assert "from .tag import Tag" in files["short.py"]
    assert '"Pet": "owner",' in files["__init__.py"]


def test_a_long_class_name_gets_a_module_name_a_file_system_takes() -> None:
    long = "Webhook" + "PullRequestReviewRequestRemoved" * 8
    files = split_into_package(CODE.format(long=long), "# header\n", "The models.")
    (module,) = [name for name in files if name not in ("__init__.py", "owner.py", "tag.py")]
    assert len(module) <= 103
    assert module.startswith("webhook_pull_request")
    assert f'"{long}": "{module.removesuffix(".py")}",' in files["__init__.py"]

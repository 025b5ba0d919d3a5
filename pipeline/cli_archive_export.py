"""`wenshu archive export` and `wenshu archive verify`: the archive package of a filed year (a
BagIt bag with each 件's original, text and DA/T 46 metadata) and the 四性 checks of DA/T 70-2018
on a package (docs/archive.md, 「归档数据包与四性检测」)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from core.errors import ArchiveInvalid
from core.settings import Settings
from pipeline.cli_app import Edge, console, print_json
from pipeline.cli_archive import archive_app


@archive_app.command("export")
def archive_export(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", help="年度 to export, e.g. 2026 (filed with `archive file`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="A new or empty folder for the package.")],
    include_secret: Annotated[bool, typer.Option(
        "--include-secret", help="Also the 涉密 件 (original and metadata, never their text).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Write the year's archive package into --out as the acting user (--user): a BagIt bag, one
    folder per 件 named by its 档号 (original, 正文.txt, 元数据.xml), the 归档文件目录 at the top,
    SHA-256 manifests; audited as an export. 涉密 件 only with --include-secret."""
    from pipeline import archive_export as export

    edge: Edge = ctx.obj
    actor = edge.user()
    done = export.export_year(edge.engine, edge.settings, year, out, actor=actor, include_secret=include_secret)
    if as_json:
        print_json(done.to_json())
        return
    console.print(f"{year} 年度归档数据包已写入 {escape(str(done.path))}：{done.items} 件，"
                  f"{done.files} 个文件，{done.bytes / 1048576:.1f} MB。", highlight=False)
    if done.withheld:
        console.print(f"涉密件 {len(done.withheld)} 件未导出（需要时加 --include-secret）："
                      + "、".join(done.withheld), highlight=False)
    elif include_secret:
        console.print("数据包含涉密件（仅原件与元数据），请按涉密载体管理。", highlight=False)
    console.print(f"检测：wenshu archive verify {escape(str(done.path))}", highlight=False)


@archive_app.command("verify")
def archive_verify(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The package folder `archive export` wrote.")],
    no_registry: Annotated[bool, typer.Option(
        "--no-registry", help="Check the package on its own, not against this data directory's registry.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout (exit 27 all the same on failure).")] = False,
) -> None:
    """The 四性 checks (DA/T 70-2018) on a package: 真实性 (hashes: manifest, metadata, registry,
    registration event), 完整性 (every 件, gap-free 件号, complete manifests), 可用性 (every
    original opens), 安全性 (no 涉密 text, nothing outside the bag). Read-only. Against the data
    directory's registry when it has one; exit 0 when all pass, 27 naming each problem's 档号."""
    from pipeline import archive_verify as verify

    edge: Edge = ctx.obj
    engine = None if no_registry or not _has_registry(edge.settings) else edge.engine
    result = verify.verify_package(path, edge.settings, engine)
    if as_json:
        print_json(result.to_json())
    for note in result.unchecked if not as_json else ():
        console.print(f"[yellow]未检测：[/]{escape(note)}", highlight=False)
    if result.problems:
        by_aspect = {aspect: sum(1 for p in result.problems if p.aspect == aspect) for aspect in verify.ASPECTS}
        counts = "，".join(f"{aspect} {n} 处" for aspect, n in by_aspect.items() if n)
        raise ArchiveInvalid(f"四性检测未通过（{counts}）：\n" + "\n".join(f"  - {p}" for p in result.problems),
                             fix="Export the package again from the registry (`wenshu archive export`) and compare "
                                 "it with this one; keep this one as it is for the investigation.")
    if not as_json:
        against = "已与登记簿和审计日志比对" if result.with_registry else "未与登记簿比对"
        console.print(f"四性检测通过（{against}）：{result.year} 年度数据包 {result.items} 件、{result.files} 个文件，"
                      "真实性、完整性、可用性、安全性均未发现问题。", highlight=False)


def _has_registry(settings: Settings) -> bool:
    """Whether the data directory has a registry to compare with (a package is often checked
    on a machine that has none: then it is not made by looking)."""
    url = settings.database_url
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).is_file()
    return True

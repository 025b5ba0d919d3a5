"""CLI commands of the printed forms: `slip` (the 文书处理单 as Word) and `stamp` (the first page
with the 收文章, as PDF). Both only read the registry: they need no --user."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from core.errors import InvalidValue
from pipeline.cli_app import Edge, app, console


@app.command()
def slip(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="The 收文's registration number (any brackets).")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="The .docx to write (or a folder for it); "
                                                   "default 文书处理单-<登记号>.docx here.")] = None,
) -> None:
    """Write the 文书处理单 of a 收文 (收文处理笺 for a 办件, 阅文处理单 for a 阅件) as a Word file,
    with the opinions and 传阅 recorded so far; the rest is left to sign by hand."""
    from pipeline.slips import make_slip

    edge: Edge = ctx.obj
    made = make_slip(edge.engine, edge.settings, reg_no)
    path = _write(output, made.file_name, made.content)
    console.print(f"已生成{made.form}：{escape(str(path))}", highlight=False)


@app.command()
def stamp(
    ctx: typer.Context,
    reg_no: Annotated[str, typer.Argument(help="The 收文's registration number (any brackets).")],
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="The .pdf to write (or a folder for it); "
                                                   "default 收文章-<登记号>.pdf here.")] = None,
) -> None:
    """Write the first page of a 收文 with the office's 收文章 (单位名称, 收文编号, 收文日期) at its top
    right, as a PDF; the stored original is not changed."""
    from pipeline.stamp import stamped_pdf

    edge: Edge = ctx.obj
    made = stamped_pdf(edge.engine, edge.settings, reg_no)
    path = _write(output, made.file_name, made.content)
    console.print(f"已加盖收文章：{escape(str(path))}", highlight=False)


def _write(output: Path | None, file_name: str, content: bytes) -> Path:
    """``output`` (a file, or a folder to put ``file_name`` in), else ``file_name`` here; written
    whole or not at all."""
    path = Path(file_name) if output is None else output / file_name if output.is_dir() else output
    if not path.parent.is_dir():
        raise InvalidValue(f"文件夹不存在：{path.parent}", fix="Create the folder first, or give another -o path.")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(content)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InvalidValue(f"无法写入 {path}：{error.strerror or error}", fix="Give a path you may write to with -o.") \
            from error
    return path

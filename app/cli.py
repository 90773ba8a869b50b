"""The ``histkg`` command line: one plain function per command, registered with ``@cli.command``
(``histkg --help`` lists them; docs/commands.md documents each, and ``tests/test_settings_docs.py``
fails when one is missing there).

Built on typer because each option is declared once, as a typed function parameter: parsing,
type checks and the ``--help`` text all come from that one signature and cannot drift apart.

Exit codes (also in docs/commands.md):

* 0: success (for ``validate``: the data conforms);
* 1: bad input, such as an RDF file that does not parse (the store is left untouched), or for
  ``validate``: the data does not conform;
* 2: could not run: the store cannot be opened, the settings are invalid, or validation itself
  failed (missing file, unusable shapes).

Expected failures are ``HistkgError``s and are printed as one message plus a hint, never as a
traceback.
"""

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from app import __version__
from app.backends import on_disk
from app.backends.preflight import undo_new_store
from app.errors import HistkgError, InputError, ShaclViolation, StoreBusy
from app.settings import Settings
from app.store import SMALL_LOAD_QUADS, LoadProgress, LoadReport, Store
from app.validate import (
    ValidationReport,
    ValidationResult,
    validate_against_store,
    validate_paths,
)

cli = typer.Typer(
    name="histkg",
    help="histkg: load, validate and serve the historical-events knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Plain output: no wrapping (lines stay whole for grep), no `:emoji:` codes (`rdfs:label:`).
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
T = TypeVar("T")


def main() -> None:
    """Console-script entry point (``histkg = "app.cli:main"``)."""
    cli()


def _fail(code: int, message: str, hint: str | None = None) -> NoReturn:
    err.print(Text.assemble(("error: ", "bold red"), message))
    if hint:
        err.print(Text.assemble(("hint: ", "bold"), hint))
    raise typer.Exit(code)


def _guarded(action: Callable[[], T], *, exit_code: int | None = None) -> T:
    """Run ``action``; turn a ``HistkgError`` into a message and its exit code.

    The error is dropped before exiting so its traceback no longer holds the frames that
    opened the store: the store's directory lock is released as soon as the command ends.
    """
    try:
        return action()
    except ShaclViolation as violation:  # the report first, as `histkg validate` prints it
        err.print(_report_of(violation.report).to_text(), markup=False)
        failure = (exit_code or violation.exit_code, violation.message, violation.hint)
    except HistkgError as error:
        failure = (exit_code or error.exit_code, error.message, error.hint)
    _fail(*failure)


def _report_of(data: dict[str, Any]) -> ValidationReport:
    """The report a ``ShaclViolation`` carries (``ValidationReport.to_json``), read back."""
    return ValidationReport(
        conforms=bool(data.get("conforms")),
        results=[ValidationResult(**result) for result in data.get("results", [])],
        elapsed=float(data.get("elapsed", 0.0)),
        files=list(data.get("files", [])),
    )


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as error:
        problems = "; ".join(
            f"HISTKG_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        _fail(2, f"Invalid settings: {problems}", "Fix the environment variables named above.")


@contextmanager
def _progress_bar() -> Iterator[LoadProgress]:
    columns = (
        TextColumn("{task.description}", markup=False),  # file names are not markup
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("loading", total=None)

        def report(label: str, done: int, total: int) -> None:
            progress.update(task, description=label, completed=done, total=total)

        yield report


def _print_load(report: LoadReport) -> None:
    for name in report.files:
        out.print(f"  {name}", markup=False)
    out.print(
        f"Loaded {len(report.files)} file(s): {report.quads} quads "
        f"in {report.graphs} graph(s) in {report.seconds:.2f} s",
        markup=False,
    )


def _load(store: Store, files: Sequence[Path], project_dir: Path) -> LoadReport:
    from app.writes import load_check  # validates a small batch as any write is validated

    with _progress_bar() as progress:
        if files:
            check = load_check(store, project_dir)
            report = store.load_files(files, progress=progress, check=check)
            # said once loaded: a failed load's stderr begins with its error
            if check is None:
                err.print(
                    "note: the store has no curated load (the ontology) to validate against: "
                    "these files were not validated. Check them with `histkg validate "
                    "--against-store FILES` once it has one (`histkg load`).",
                    markup=False,
                )
            elif not report.checked:
                err.print(
                    f"note: a batch of more than {SMALL_LOAD_QUADS:,} quads (or one replacing "
                    "as many, or blank nodes) is bulk-loaded, not validated: check it with "
                    "`histkg validate --against-store FILES`.",
                    markup=False,
                )
            return report
        return store.load_curated(project_dir, progress=progress)


@cli.command()
def load(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="RDF files to load (.ttl .nt .nq .trig .jsonld .json .rdf .owl .xml, or .gz). "
            "Without files, reload the curated ontology/ and data/.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Load RDF into the store, all files at once or none of them.

    Curated files replace their graphs; a file's triples go to the graph of its file:// URI.
    A small batch of files is validated against the shapes first, and refused (exit 1) when
    it breaks one.
    """
    settings = _settings()

    def run() -> LoadReport:
        with undo_new_store(settings.store):  # a failed first load leaves no empty store
            store = Store.from_settings(settings)
            return _load(store, files or [], settings.project_dir)

    _print_load(_guarded(run))


class OutputFormat(StrEnum):
    """How ``histkg validate`` prints its report."""

    text = "text"
    json = "json"


def _run_validation(
    files: list[Path] | None, settings: Settings, *, against_store: bool = False
) -> ValidationReport:
    for path in files or []:
        if not path.is_file():
            raise InputError(f"{path}: no such file", hint="Check the path and try again.")
    if not against_store:
        return validate_paths(files, settings.project_dir)
    if not files:
        raise InputError(
            "--against-store needs the files to check.",
            hint="Name the files: histkg validate --against-store page.ttl",
        )
    with Store.from_settings(settings) as store:
        if store.recorded_digest() is None:  # no ontology: subclass targets would be missed
            raise InputError(
                f"The store at {store.location} has no curated load to validate against.",
                hint="Run `histkg load` first, or validate the files alone (no --against-store).",
            )
        return validate_against_store(files, store, settings.project_dir)


@cli.command()
def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files to validate. Without files, validate the curated ontology/ and data/.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="Report as text lines or as JSON.")
    ] = OutputFormat.text,
    against_store: Annotated[
        bool,
        typer.Option(
            "--against-store",
            help="Check the files as `histkg load FILES` would leave the store (HISTKG_STORE), "
            "without loading them: only what they change is validated, with what it links to.",
        ),
    ] = False,
) -> None:
    """Check RDF against the SHACL shapes in ontology/.

    Exit 0 when the data conforms, 1 when it does not, 2 when validation could not run.
    """
    settings = _settings()
    report = _guarded(
        lambda: _run_validation(files or None, settings, against_store=against_store),
        exit_code=2,
    )
    if output_format is OutputFormat.json:
        out.print_json(json.dumps(report.to_json()))
    else:
        out.print(report.to_text(), markup=False)
    raise typer.Exit(0 if report.conforms else 1)


@cli.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default: HISTKG_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: HISTKG_PORT).")
    ] = None,
    no_load: Annotated[
        bool,
        typer.Option("--no-load", help="Serve the store as it is, even when empty or stale."),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            help="For a remote store: seconds to wait for its server to answer before giving up.",
        ),
    ] = 0,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log",
            help="Log every request on stdout (off by default: it costs CPU on every query).",
        ),
    ] = False,
    read_only: Annotated[
        bool,
        typer.Option(
            "--read-only",
            help="Serve the store as it is, refusing every write (default: HISTKG_READ_ONLY).",
        ),
    ] = False,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            max=64,
            help="With --read-only: processes that answer requests "
            "(default: HISTKG_SERVE_PROCESSES).",
        ),
    ] = None,
) -> None:
    """Serve the graph over HTTP (/health, /sparql).

    First loads ontology/ and data/ when the store is empty or older than those files (not
    with --read-only, which serves it as it is and may use several processes).
    """
    settings = _settings(
        host=host, port=port, read_only=True if read_only else None, serve_processes=processes
    )
    if settings.read_only:
        _serve_read_only(settings, access_log=access_log)
        return
    if settings.serve_processes > 1:
        _fail(
            2,
            f"{settings.serve_processes} processes can only serve a read-only store.",
            "Add --read-only (HISTKG_READ_ONLY=true), or serve with one process to take writes.",
        )

    def open_and_refresh() -> Store:
        store = Store.from_settings(settings)
        store.wait_until_ready(wait)
        if not no_load:
            if store.is_empty():
                reason = "is empty"
            elif store.is_stale(settings.project_dir):
                reason = "is older than ontology/ and data/"
            else:
                return store
            out.print(f"The store {reason}; loading {settings.project_dir}.", markup=False)
            _print_load(_load(store, [], settings.project_dir))
        return store

    def first_start() -> Store:
        with undo_new_store(settings.store):  # a failed first load leaves no empty store
            return open_and_refresh()

    store = _guarded(first_start)
    # the web stack is only needed here, so other commands start faster
    from app.server import config as server_config
    from app.server import run, serving

    out.print(f"Serving on http://{settings.host}:{settings.port}/ (Ctrl+C to stop)", markup=False)
    try:
        app = serving(settings, store)
        if settings.validation_process:  # writes checked in a process of their own
            from app.validate.process import start as start_validation

            start_validation(store, settings.project_dir, timeout=settings.write_timeout)
        # Header cap, header-read timeout and connection cap: see app.server.
        config = server_config(
            app, settings, host=settings.host, port=settings.port, access_log=access_log
        )
        started = run(config)
    finally:
        store.close()  # stops the query workers
    if not started:
        raise typer.Exit(3)  # could not listen (the port is taken?), as uvicorn.run() exits


def _serve_read_only(settings: Settings, *, access_log: bool) -> None:
    """``histkg serve --read-only [--processes N]`` (see ``app.serve_process``)."""
    from app import serve_process

    embedded = on_disk(settings.store)
    if settings.serve_processes > 1 and not embedded:
        _fail(
            2,
            "Several processes can only share a store on disk.",
            "Serve an in-memory or remote store with one process (--processes 1).",
        )

    def open_read_only() -> tuple[Store, Any]:
        lock = serve_process.keep_writers_out(settings.store) if embedded else None
        try:
            store = Store.from_settings(settings, read_only=True)
        except BaseException:
            if lock is not None:
                lock.close()
            raise
        if store.is_empty():
            out.print("The store is empty; serving it as it is (read-only).", markup=False)
        elif store.is_stale(settings.project_dir):
            out.print(
                "The store is older than ontology/ and data/; serving it as it is (read-only).",
                markup=False,
            )
        return store, lock

    store, lock = _guarded(open_read_only)
    from app.server import config as server_config
    from app.server import run, serving

    count = settings.serve_processes
    out.print(
        f"Serving on http://{settings.host}:{settings.port}/ read-only, "
        f"{count} process{'es' if count > 1 else ''} (Ctrl+C to stop)",
        markup=False,
    )
    others: list[Any] = []
    started = False  # as far as the `finally` knows
    try:
        app = serving(settings, store)
        config = server_config(
            app, settings, host=settings.host, port=settings.port, access_log=access_log
        )
        sockets = None
        if count > 1:
            try:
                listening = config.bind_socket()
            except SystemExit:  # uvicorn logged why (the port is taken?)
                raise typer.Exit(3) from None
            others = serve_process.start(count - 1, listening, settings, access_log=access_log)
            app.router.on_shutdown.append(lambda: serve_process.stop(others))
            sockets = [listening]
        started = run(config, sockets)
    finally:
        serve_process.stop(others)
        store.close()
        if lock is not None:
            lock.close()
    if not started:
        raise typer.Exit(3)


@cli.command()
def info() -> None:
    """Show where the store is, how much it holds and whether it is stale."""
    settings = _settings()

    def gather() -> list[tuple[str, str]]:
        store, note = _open_for_reading(settings)
        if store.recorded_digest() is None:
            curated = "never loaded (run `histkg load`)"
        elif store.is_stale(settings.project_dir):
            curated = "stale: ontology/ or data/ changed (run `histkg load`)"
        else:
            curated = "fresh"
        return [
            ("histkg", __version__),
            ("store", store.location),
            ("project", str(settings.project_dir)),
            ("quads", str(len(store))),
            ("named graphs", str(len(store.named_graphs()))),
            ("curated data", curated),
        ] + ([("note", note)] if note else [])

    for name, value in _guarded(gather):
        out.print(f"{name + ':':<14}{value}", markup=False)


def _open_for_reading(settings: Settings) -> tuple[Store, str]:
    """The store for a command that only reads; when another process (``histkg serve``)
    holds an embedded store, a read-only view of it as it stands, and a note saying so."""
    try:
        return Store.from_settings(settings), ""
    except StoreBusy:
        note = "read-only view: another process (such as `histkg serve`) holds the store"
        return Store.from_settings(settings, read_only=True), note


@cli.command()
def dump(
    file: Annotated[Path, typer.Argument(help="The backup to write: .trig or .nq, or .gz.")],
) -> None:
    """Write every graph of the store (bookkeeping included) to a TriG or N-Quads file."""
    from app.backup import dump_store

    settings = _settings()
    report = _guarded(lambda: dump_store(Store.from_settings(settings), file))
    out.print(
        f"Wrote {report.quads} quads in {report.graphs} graphs to {report.path}", markup=False
    )


@cli.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup of `histkg dump`: .trig or .nq, or .gz.")],
) -> None:
    """Replace the whole store by a backup, all or nothing."""
    from app.backup import restore_store

    settings = _settings()
    report = _guarded(
        lambda: restore_store(Store.from_settings(settings), file, project_dir=settings.project_dir)
    )
    out.print(f"Restored {report.quads} quads in {report.graphs} graphs", markup=False)
    for graph in report.distrusted:
        out.print(
            f"Left out of the meta graph: <{graph}> is not a graph of the curated files "
            f"in {settings.project_dir}, so `histkg load` will not drop it.",
            markup=False,
        )


@cli.command()
def link(
    extract: Annotated[
        Path | None,
        typer.Option(help="A Wikidata extract: JSON dump, JSON lines or API JSON (.gz, .bz2 too)."),
    ] = None,
    api: Annotated[
        bool, typer.Option("--api", help="Use the live Wikidata API (HISTKG_WIKIDATA_*).")
    ] = False,
    apply: Annotated[
        Path | None,
        typer.Option("--apply", help="Write the accepted links of this review file into data/."),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify", help="Check existing owl:sameAs links; put the facts into the store."
        ),
    ] = False,
    entity: Annotated[
        list[str] | None,
        typer.Option(help="Only this entity (IRI or path such as person/karl-radek); repeatable."),
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The review file to write.")
    ] = Path("link-review.tsv"),
    candidates: Annotated[
        int, typer.Option(min=1, max=20, help="Candidates per entity in the review file.")
    ] = 3,
    facts: Annotated[
        Path | None,
        typer.Option(help="Also write the Wikidata facts graph of --verify to this file (TriG)."),
    ] = None,
) -> None:
    """Link entities to Wikidata: propose candidates, apply a reviewed file, or verify links.

    --verify replaces the Wikidata facts graph of the store (HISTKG_STORE) in one step.
    Exit 0 ok; 1 bad input, SHACL violations (--apply) or links that look wrong (--verify);
    2 could not run (the API unreachable, the store).
    """
    from app.linking import apply_review, workflow  # loaded only for this command

    settings = _settings()
    if apply is not None:
        if extract is not None or api or verify:
            _fail(1, "--apply reads only the review file.", "Drop --extract, --api and --verify.")
        report = _guarded(
            lambda: apply_review(apply, settings.project_dir, base_iri=settings.base_iri)
        )
        out.print(report.to_text(), markup=False)
        raise typer.Exit(0 if report.conforms else 1)
    with _progress_bar() as progress:

        def run() -> workflow.ProposeSummary | workflow.VerifySummary:
            def reading(done: int, total: int) -> None:
                progress("Wikidata", done, total)

            if verify:  # the store first: a store in use fails before any fetching
                with (
                    Store.from_settings(settings) as store,
                    workflow.open_source(
                        settings, extract=extract, api=api, progress=reading
                    ) as src,
                ):
                    return workflow.verify_and_collect_facts(settings, src, store, facts=facts)
            with workflow.open_source(settings, extract=extract, api=api, progress=reading) as src:
                return workflow.propose_to_file(
                    settings, src, output, entities=entity, per_entity=candidates
                )

        summary = _guarded(run)
    out.print(summary.to_text(), markup=False)
    failed = isinstance(summary, workflow.VerifySummary) and summary.problems
    raise typer.Exit(1 if failed else 0)


class IngestFormat(StrEnum):
    """What ``histkg ingest`` prints."""

    json = "json"
    turtle = "turtle"


@cli.command()
def ingest(
    path: Annotated[
        Path,
        typer.Argument(
            help="The page (UTF-8 text as a PDF extractor left it) or a book: a PDF, or a text "
            "with form feeds between pages (pdftotext's output)."
        ),
    ],
    output_format: Annotated[
        IngestFormat,
        typer.Option(
            "--format",
            help="json: the report document; turtle: its triples as TriG, in the page's graph.",
        ),
    ] = IngestFormat.json,
    review: Annotated[
        Path | None,
        typer.Option(help="Also write a review page (HTML) for a curator to this file."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    pages: Annotated[
        str | None,
        typer.Option(help="A book's pages to read, e.g. 120-140 (positions in the file, from 1)."),
    ] = None,
    into_store: Annotated[
        bool,
        typer.Option(
            "--into-store",
            help="Also write the book into the store (HISTKG_STORE) as the workbench's review "
            "queue: one revision per new or changed page.",
        ),
    ] = False,
) -> None:
    """Repair a page or a whole book of PDF text: footnotes, citations, dates and mentions.

    Reads the curated graph (HISTKG_PROJECT_DIR) for names, event dates and cited books; writes
    nothing into the store or data/ unless --into-store. A book gives JSON lines (one per page,
    then the book record) or TriG for the whole book. Exit 0 ok, 1 bad input, 2 could not run,
    3 done but some pages have no text layer (listed).
    """
    from app import ingest as ingestion  # the ingestion stack loads only for this command
    from app.ingest.book_source import is_book

    settings = _settings()
    if pages is not None or into_store or is_book(path):
        if review is not None:
            _fail(1, "--review is for one page.", "Review a book's pages in the workbench.")
        scanned = _ingest_book(settings, path, pages, output_format, output, into_store)
        raise typer.Exit(3 if scanned else 0)

    def run() -> str:
        report = ingestion.ingest_file(path, project_dir=settings.project_dir)
        if review is not None:
            ingestion.write_text(review, ingestion.render_review(report))
        if output_format is IngestFormat.turtle:
            return ingestion.to_trig(report, settings.base_iri)
        return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"

    document = _guarded(run)
    if output is not None:
        _guarded(lambda: ingestion.write_text(output, document))
    else:
        out.file.write(document)


def _ingest_book(
    settings: Settings,
    path: Path,
    pages: str | None,
    output_format: IngestFormat,
    output: Path | None,
    into_store: bool,
) -> list[str]:
    """``histkg ingest BOOK``: stream the pages out (and into the store); the pages without a
    text layer, by label."""
    import pyoxigraph as ox

    from app import writes
    from app.ingest import Ingester, load_graph_index, load_project_index
    from app.ingest.book import BookPage, BookReader
    from app.ingest.book_rdf import book_trig
    from app.ingest.book_source import open_book
    from app.workbench.books import store_book

    source = _guarded(lambda: open_book(path, pages))

    def run(progress: LoadProgress) -> list[str]:
        with contextlib.ExitStack() as stack:
            # Writes and a few fixed queries: no query workers (nor their store snapshots).
            batch = settings.model_copy(update={"query_workers": 0})
            store = stack.enter_context(Store.from_settings(batch)) if into_store else None
            index = load_graph_index(store) if store else load_project_index(settings.project_dir)
            reader = BookReader(Ingester(index), path.name, source.bibliography)
            book = ox.NamedNode(f"{settings.base_iri}source/{reader.slug}")
            sink = stack.enter_context(_sink(output))
            stored: dict[int, dict[str, object]] = {}

            def counted() -> Iterator[BookPage]:
                for done, page in enumerate(reader.read(source.pages()), 1):
                    if page.scanned:
                        err.print(f"page {page.label} (position {page.index}): no text layer")
                    progress(f"page {page.label}", done, source.last - source.first + 1)
                    yield page

            flow: Iterator[BookPage] = counted()
            if store is not None:
                author = writes.Author("histkg ingest", f"Ingest {path.name}")
                writing = store_book(
                    store, flow, reader.record, source.bibliography, book=book,
                    book_slug=reader.slug, base=settings.base_iri,
                    project_dir=settings.project_dir, author=author,
                )  # fmt: skip

                def noted() -> Iterator[BookPage]:
                    for page, result in writing:
                        stored[page.index] = result.to_json()
                        yield page

                flow = noted()
            if output_format is IngestFormat.turtle:
                for chunk in book_trig(
                    flow, reader.record, source.bibliography, book=book, book_slug=reader.slug,
                    base=settings.base_iri,
                ):  # fmt: skip
                    sink.write(chunk)
            else:
                for page in flow:
                    line = page.to_json()
                    if page.index in stored:
                        line["book"]["stored"] = stored[page.index]  # type: ignore[index]
                    sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                record = reader.record.to_json() | {"iri": book.value}
                sink.write(json.dumps({"book": record}, ensure_ascii=False) + "\n")
            return reader.record.scanned

    with _progress_bar() as progress:
        scanned = _guarded(lambda: run(progress))
    what = f"{source.last - source.first + 1} page(s) of {path.name}"
    if scanned:
        err.print(f"Read {what}; no text layer on page(s) {', '.join(scanned)}.", markup=False)
    else:
        err.print(f"Read {what}.", markup=False)
    return scanned


@contextmanager
def _sink(output: Path | None) -> Iterator[Any]:
    """Where a streamed result goes: the file ``output`` or stdout."""
    if output is None:
        yield out.file
        return
    try:
        file = output.open("w", encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"{output}: cannot write ({error.strerror})",
            hint="Choose a path in a directory that exists and that you can write to.",
        ) from None
    with file:
        yield file


@cli.command()
def synth(
    output: Annotated[Path, typer.Argument(help="File to write: .nq (N-Quads) or .trig (TriG).")],
    events: Annotated[int, typer.Option(min=1, help="How many events to generate.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 0,
) -> None:
    """Write a synthetic graph in the histkg model (valid against the shapes), for benchmarks.

    About 50 triples per event (22,000 events make about 1 million). Exit 0 ok, 1 bad input.
    """
    from app.tools.synth import write_synthetic

    count = _guarded(lambda: write_synthetic(output, events=events, seed=seed))
    out.print(f"Wrote {count} quads to {output}.", markup=False)


@cli.command("log")
def log_command(
    entity: Annotated[
        str | None, typer.Option(help="Only revisions that changed a statement about this IRI.")
    ] = None,
    graph: Annotated[
        str | None, typer.Option(help="Only revisions that changed this named graph.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only revisions from this date on (YYYY-MM-DD or ISO).")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """List the revisions of the store, newest first: number, time, agent, counts, message."""
    import datetime as dt

    from app import history

    settings = _settings()
    start: dt.datetime | None = None
    if since is not None:
        try:
            start = dt.datetime.fromisoformat(since)
        except ValueError:
            _fail(1, f"--since {since!r} is not a date.", "Write it as YYYY-MM-DD.")
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)

    def read() -> list[history.Revision]:
        store = Store.from_settings(settings)
        return history.log(store.match, entity=entity, graph=graph, since=start)

    revisions = _guarded(read)
    if output is OutputFormat.json:
        out.print(json.dumps([r.to_json() for r in revisions], indent=2), markup=False)
        return
    for r in revisions:
        stamp = r.time.strftime("%Y-%m-%d %H:%M:%S")
        line = f"{r.number:>6}  {stamp}  {r.agent:<16} +{r.added} -{r.removed}  {r.in_words()}"
        out.print(line.rstrip(), markup=False)


@cli.command()
def revert(
    revision: Annotated[str, typer.Argument(help="The revision to undo (a number of `log`).")],
    chain: Annotated[
        bool, typer.Option(help="Also revert the later revisions that built on it.")
    ] = False,
    message: Annotated[str | None, typer.Option(help="The new revision's message.")] = None,
) -> None:
    """Undo a revision with a new one; refused (exit 1) when later ones changed the same data."""
    from app import history, writes

    settings = _settings()

    def run() -> writes.WriteResult:
        store = Store.from_settings(settings)
        number = history.parse_number(revision)
        author = writes.Author("histkg revert", message or "")
        return writes.revert(store, number, settings.project_dir, chain=chain, author=author)

    result = _guarded(run)
    out.print(
        f"Revision {result.revision}: +{result.added} -{result.removed} in "
        f"{len(result.graphs)} graph(s)",
        markup=False,
    )


wikidata = typer.Typer(help="Wikidata both ways: export cited claims as QuickStatements.")
cli.add_typer(wikidata, name="wikidata")


@wikidata.command("export")
def wikidata_export(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The QuickStatements (v1) file to write.")
    ],
    review: Annotated[
        Path | None,
        typer.Option(help="The review file (default: OUTPUT.review.tsv); written if missing."),
    ] = None,
    claim: Annotated[
        list[str] | None, typer.Option(help="Only this claim (IRI or claim/...); repeatable.")
    ] = None,
    entity: Annotated[
        list[str] | None,
        typer.Option(help="Only claims about this entity (IRI or person/...); repeatable."),
    ] = None,
    reported: Annotated[
        bool, typer.Option("--reported", help="Also reported claims (with their informant).")
    ] = False,
) -> None:
    """Export asserted, cited claims of linked entities as QuickStatements, after review.

    The first run writes the review file; accept lines in it and run again to write OUTPUT.
    Nothing is sent to Wikidata. Exit 0 ok; 1 bad input (an accepted line that cannot go out).
    """
    from app.linking.export_review import export_to_file

    settings = _settings()
    run = _guarded(
        lambda: export_to_file(
            settings, output, review=review, claims=claim, entities=entity, reported=reported
        )
    )
    out.print(run.to_text(), markup=False)


# ------------------------------------------------------------------ curator accounts

users = typer.Typer(
    help="Curator accounts of the workbench (kept beside the store, never in the graph).",
    no_args_is_help=True,
)
cli.add_typer(users, name="user")

_PASSWORD_STDIN = typer.Option(
    "--password-stdin", help="Read the password from the first line of stdin (for scripts)."
)


def _password(from_stdin: bool) -> str:
    import sys

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _accounts() -> Any:
    from app.accounts import Accounts

    settings = _settings()
    return _guarded(lambda: Accounts.from_settings(settings))


class RoleChoice(StrEnum):
    curator = "curator"
    admin = "admin"


@users.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The account name (a-z, 0-9, '-', '_', '.').")],
    role: Annotated[RoleChoice, typer.Option(help="curator writes data; admin also.")] = (
        RoleChoice.curator
    ),
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Add an account; the password is prompted for (twice), or read from stdin."""
    from app.accounts import Role

    accounts = _accounts()
    password = _password(password_stdin)
    user = _guarded(lambda: accounts.add(name, Role(role.value), password))
    out.print(f"Added {user.role} {user.name}.", markup=False)


@users.command("list")
def user_list() -> None:
    """List the accounts: name, role, and whether it is locked after failed sign-ins."""
    for user in _accounts().list():
        line = f"{user.name:<24} {user.role:<8} {'locked' if user.locked else ''}"
        out.print(line.rstrip(), markup=False)


@users.command("remove")
def user_remove(name: Annotated[str, typer.Argument(help="The account to remove.")]) -> None:
    """Remove an account (its revisions keep its name)."""
    accounts = _accounts()
    _guarded(lambda: accounts.remove(name))
    out.print(f"Removed {name}.", markup=False)


@users.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="The account whose password to set.")],
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Set an account's password (this also unlocks it)."""
    accounts = _accounts()
    if accounts.get(name) is None:
        _fail(1, f"There is no account {name!r}.", "`histkg user list` shows them.")
    password = _password(password_stdin)
    _guarded(lambda: accounts.set_password(name, password))
    out.print(f"Password of {name} changed.", markup=False)


@cli.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="Where to write data/ and seeds/.")],
) -> None:
    """Write the graphs made in the workbench as TriG in the data/ layout, and their texts."""
    from app.workbench.export import export

    settings = _settings()
    report = _guarded(lambda: export(Store.from_settings(settings), directory))
    out.print(
        f"Wrote {report.quads} quads in {report.graphs} graphs to {report.trig}, "
        f"and {report.texts} page text(s)",
        markup=False,
    )

"""`make bench [SCALE=0.1]`: build the synthetic national registry, measure the main pages,
print one table and keep it in bench/results.json (one entry per scale).

Every time is the median of many requests, measured in the same run and interleaved with its
floor (a trivial signed-in page), so the ratios hold on a noisy shared machine. SQLite by
default (instance/bench-<scale>.sqlite3, rebuilt); with DATABASE_URL, that database (emptied).

    python -m bench.run --scale 0.1 [--reps 25] [--no-concurrency] [--reuse]
"""
from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"


def _config(url: str):
    from webapp.config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False
        DEMO = False
        TESTING = False

    return BenchConfig


def _database_url(scale: float) -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    (ROOT / "instance").mkdir(exist_ok=True)
    return f"sqlite:///{ROOT / 'instance' / f'bench-{scale:g}.sqlite3'}"


def build(app, scale: float, today: date):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from webapp.extensions import db

    from .data import build as build_data

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            path = Path(db.engine.url.database)
            db.engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        built = build_data(scale, today)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        return built


# --- Measuring ----------------------------------------------------------------------------------

class Timer:
    def __init__(self, app, users: dict[str, str], password: str):
        self.app, self.clients = app, {}
        for role, username in users.items():
            client = app.test_client()
            response = client.post("/login", data={"username": username, "password": password})
            assert response.status_code == 303, (username, response.status_code)
            self.clients[role] = client

    def once(self, role: str, url: str, headers=None) -> float:
        started = time.perf_counter()
        response = self.clients[role].get(url, headers={"Accept-Encoding": "gzip",
                                                        **(headers or {})})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (role, url, response.status_code)
        return elapsed

    def medians(self, items: list[tuple[str, str, str]], reps: int, floor) -> dict[str, float]:
        """Interleaved: each round requests the floor, then every item once."""
        times: dict[str, list[float]] = {name: [] for name, _, _ in items}
        times["floor"] = []
        for name, role, url in items:  # warm every path once
            self.once(role, url)
        for _ in range(reps):
            times["floor"].append(self.once(*floor))
            for name, role, url in items:
                times[name].append(self.once(role, url))
        return {name: statistics.median(values) for name, values in times.items()}


def statements(app, client, url: str) -> int:
    from sqlalchemy import event

    from webapp.extensions import db

    count = [0]

    def on(*_):
        count[0] += 1
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", on)
    return count[0]


def figures_call(app, code: str, year: int, month: int, reps: int) -> float:
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.reports.figures import compute
    from webapp.units.models import Unit

    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        compute(unit, year, month)
        times = []
        for _ in range(reps):
            started = time.perf_counter()
            compute(unit, year, month)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)


def sizes(timer: Timer, url: str) -> dict:
    """Bytes of a first load of `url` (page and its static files, gzip) and of a fragment."""
    client = timer.clients["commune"]
    page = client.get(url, headers={"Accept-Encoding": "gzip"})
    html = gzip.decompress(page.data).decode() if page.headers.get("Content-Encoding") \
        == "gzip" else page.get_data(as_text=True)
    total, statics, cached = len(page.data), {}, True
    # What the page loads after itself (its dashboard) is part of the first load.
    deferred = 0
    for ref in re.findall(r'hx-get="([^"]+)" hx-trigger="load"', html):
        sent = client.get(ref, headers={"Accept-Encoding": "gzip", "HX-Request": "true"})
        deferred += len(sent.data)
    total += deferred
    for ref in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        sent = client.get(ref, headers={"Accept-Encoding": "gzip"})
        statics[ref.split("?")[0]] = len(sent.data)
        total += len(sent.data)
        cached &= "?v=" in ref and "max-age=31536000" in sent.headers.get("Cache-Control", "")
    fragment = timer.clients["province"].get(
        "/persons/", headers={"Accept-Encoding": "gzip", "HX-Request": "true"})
    return {"first_page": total, "html": len(page.data), "deferred": deferred,
            "static": statics,
            "fragment": len(fragment.data), "static_fingerprinted_cached": cached}


# --- Concurrency under gunicorn -----------------------------------------------------------------

def concurrency(url: str, users: list[str], password: str, paths: dict[str, list[str]],
                clients: int = 32, seconds: float = 60.0) -> dict:
    """`clients` threads, each signed in as one of `users`, requesting that user's `paths`
    in turn for `seconds`, against gunicorn (gunicorn.conf.py) on loopback."""
    import http.client
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "DEMO": "0",
           "SECRET_KEY": "bench-" + "k" * 40, "APP_CONFIG": "default"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "--access-logfile", "/dev/null", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)

        def request(conn_cookie, method, path, body=None, headers=None):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request(method, path, body=body, headers={
                "Cookie": conn_cookie, "Accept-Encoding": "gzip", **(headers or {})})
            response = conn.getresponse()
            data = response.read()
            conn.close()
            return response, data

        def sign_in(username: str) -> str:
            response, data = request("", "GET", "/login")
            cookie = response.getheader("Set-Cookie", "").split(";")[0]
            page = gzip.decompress(data).decode() if response.getheader(
                "Content-Encoding") == "gzip" else data.decode()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            from urllib.parse import urlencode
            body = urlencode({"username": username, "password": password,
                              "csrf_token": token.group(1) if token else ""})
            response, _ = request(cookie, "POST", "/login", body,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
            assert response.status in (302, 303), (username, response.status)
            return response.getheader("Set-Cookie", "").split(";")[0] or cookie

        cookies = [sign_in(users[i % len(users)]) for i in range(clients)]
        latencies, errors, lock, kinds = [], [0], threading.Lock(), {}
        stop = time.perf_counter() + seconds

        def work(i: int) -> None:
            n, mine = i, paths[users[i % len(users)]]
            while time.perf_counter() < stop:
                path = mine[n % len(mine)]
                n += 1
                started = time.perf_counter()
                try:
                    response, _ = request(cookies[i], "GET", path)
                    status = response.status
                except OSError as exc:
                    status = type(exc).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
                        errors[0] += 1
                        kinds[f"{status} {path.split('?')[0]}"] = kinds.get(
                            f"{status} {path.split('?')[0]}", 0) + 1

        threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        latencies.sort()
        return {"clients": clients, "seconds": round(wall, 1), "requests": len(latencies),
                "rps": round(len(latencies) / wall, 1),
                "median_ms": round(statistics.median(latencies), 1),
                "p95_ms": round(latencies[int(len(latencies) * .95) - 1], 1),
                "errors": errors[0], "error_kinds": kinds,
                "workers": int(os.environ.get("WEB_CONCURRENCY", "3"))}
    finally:
        server.terminate()
        try:
            _, err = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            err = b""
        if os.environ.get("BENCH_SERVER_LOG"):
            Path(os.environ["BENCH_SERVER_LOG"]).write_bytes(err or b"")


# --- The table ----------------------------------------------------------------------------------

PARTS = ("pages", "export", "import", "concurrency")


def run(scale: float, reps: int, with_concurrency: bool, reuse: bool,
        concurrency_seconds: float = 60.0, only: tuple[str, ...] = PARTS,
        build_only: bool = False) -> dict:
    from webapp import create_app

    from . import data, files

    url = _database_url(scale)
    app = create_app(_config(url))
    gc.freeze()  # as wsgi.py does for the served application
    today = date.today()
    if reuse:
        built = _reuse(app, scale, today)
    else:
        built = build(app, scale, today)
        print(f"built {built.persons:,} persons, {built.communes:,} communes, "
              f"{built.rows:,} rows in {built.seconds:.0f} s", flush=True)
        if build_only:
            return {}
    ly, lm = built.live_month
    ay, am = built.approved_month
    live, approved = f"{ly:04d}-{lm:02d}", f"{ay:04d}-{am:02d}"
    c, p, pid = built.commune, built.province, built.person_id
    timer = Timer(app, {"commune": f"xa{c}", "province": f"tinh{p}", "admin": "admin",
                        "national": "trunguong"}, data.PASSWORD)
    floor = ("commune", "/account/password")
    light = [
        ("list commune", "commune", "/persons/"),
        ("list commune search", "commune", "/persons/?q=nguyen"),
        ("list province", "province", "/persons/"),
        ("list province search", "province", "/persons/?q=nguyen+van"),
        ("person commune", "commune", f"/persons/{pid}"),
        ("person province", "province", f"/persons/{pid}"),
        ("home commune", "commune", "/"),
        ("home province", "province", "/"),
        ("home admin", "admin", "/"),
        # The home page's dashboard, which it loads after itself.
        ("dashboard commune", "commune", f"/dashboard/{c}"),
        ("dashboard province", "province", f"/dashboard/{p}"),
        ("report commune approved", "commune", f"/reports/{approved}/{c}"),
        ("report province approved", "province", f"/reports/{approved}/{p}"),
        ("quotas province", "province", "/plans/quotas"),
    ]
    heavy = [
        ("report commune live", "commune", f"/reports/{live}/{c}"),
        ("report commune approved + drift", "commune", f"/reports/{approved}/{c}?drift=1"),
        ("report province live", "province", f"/reports/{live}/{p}"),
        ("completeness province", "province", f"/reports/{live}/"),
        ("stats commune", "commune", "/stats/"),
        ("stats province", "province", "/stats/"),
        # The ministry: provinces' completeness, the sum of their approved reports, statistics.
        ("completeness national", "national", f"/reports/{live}/"),
        ("report national approved", "national", f"/reports/{approved}/{built.national}"),
        ("stats national", "national", "/stats/"),
    ]
    if "pages" not in only:
        light, heavy = [], []
    times = timer.medians(light, reps, floor)
    more = timer.medians(heavy, max(5, reps // 3), floor)
    result = {"scale": scale, "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0],
              "persons": built.persons, "communes": built.communes,
              "provinces": built.provinces, "build_seconds": round(built.seconds, 1),
              "floor_ms": round(statistics.median([times["floor"], more["floor"]]), 2),
              "ms": {}, "statements": {}}
    for group in (times, more):
        for name, value in group.items():
            if name != "floor":
                result["ms"][name] = {"ms": round(value, 1),
                                      "floor": round(value / group["floor"], 1)}
    for name, role, path in light + heavy:
        result["statements"][name] = statements(app, timer.clients[role], path)
    if "pages" in only:
        result["figures_call_province_ms"] = round(
            figures_call(app, p, ly, lm, max(5, reps // 3)), 1)
        result["bytes"] = sizes(timer, "/")
    if "export" in only:
        result["export"] = files.measure_export(app, timer, f"tinh{p}")
        result["export_country"] = files.measure_country_export(url)
        print(f"export: {result['export']}; country: {result['export_country']}", flush=True)
    # Imports last (they add persons), into another province than the measured one.
    other = "02" if built.provinces > 1 else p
    communes = [code for code, _ in _first_persons(app, other, 1000)]
    if "import" in only:
        # A first, unmeasured import of a file just big enough for a background confirmation:
        # as on a server that has imported before, every page and code path is warm.
        files.measure_import(app, f"tinh{other}", data.PASSWORD, communes,
                             app.config["JOB_IMPORT_ROWS"] + 1, today, seed=int(time.time()) % 100_000 + 1)
        result["import"] = [files.measure_import(app, f"tinh{other}", data.PASSWORD, communes, n,
                                                 today, seed=int(time.time()) % 100_000 + n)
                            for n in (5000, 10_000)]
        print(f"import: {result['import']}", flush=True)
    if with_concurrency and "concurrency" in only:  # 32 commune officers of one province, each on their own pages
        paths = {f"xa{code}": ["/persons/", "/", f"/persons/{first}", "/persons/?q=nguyen",
                               f"/reports/{approved}/{code}"]
                 for code, first in _first_persons(app, p, 32)}
        result["concurrency"] = concurrency(url, list(paths), data.PASSWORD, paths,
                                            seconds=concurrency_seconds)
    result["machine"] = _machine()
    result["load_average"] = [round(x, 1) for x in os.getloadavg()]  # shared machine: its load
    return result


def _reuse(app, scale: float, today: date):
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.registry.models import Person
    from webapp.units.models import Unit

    from .data import Built, _months

    with app.app_context():
        months = _months(today, 12)
        pid = db.session.scalar(select(func.min(Person.id)).join(Unit, Unit.id == Person.unit_id)
                                .where(Unit.code == "01001"))
        return Built(scale, db.session.scalar(select(func.count()).where(
            Unit.level == "province")), db.session.scalar(select(func.count()).where(
                Unit.level == "commune")), db.session.scalar(select(func.count(Person.id))),
            0, 0.0, "01", "01001", pid, months[-1], months[-2])


def _first_persons(app, province: str, n: int) -> list[tuple[str, int]]:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.registry.models import Person
    from webapp.units.models import Unit

    with app.app_context():
        return db.session.execute(
            select(Unit.code, func.min(Person.id)).join(Person, Person.unit_id == Unit.id)
            .where(Unit.code.like(f"{province}%"), Unit.level == "commune")
            .group_by(Unit.code).order_by(Unit.code).limit(n)).all()


def _machine() -> str:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        memory = 0
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} "
            f"{platform.release().split('-')[0]}, Python {platform.python_version()}")


TARGETS = [  # (rows, rule, limit, label)
    (("list commune", "list commune search", "list province", "list province search",
      "person commune", "person province", "home commune", "home province", "home admin",
      "dashboard commune", "dashboard province"),
     "floor", 4, "≤ 4× floor"),
    (("report commune live",), "floor", 8, "≤ 8× floor"),
    (("report commune approved", "report province approved"), "floor", 4,
     "≤ 4× floor (reads the snapshot)"),
]


def verdicts(result: dict, others: dict) -> dict[str, str]:
    out = {}
    for names, _, limit, label in TARGETS:
        for name in names:
            ratio = result["ms"][name]["floor"]
            out[name] = f"{'PASS' if ratio <= limit else 'FAIL'} {label}"
    stats = result["ms"]["stats province"]["ms"]
    call = result["figures_call_province_ms"]
    out["stats province"] = (f"{'PASS' if stats <= 3 * call else 'FAIL'} ≤ 3× one figures "
                             f"call ({call:g} ms)")
    b = result["bytes"]
    out["bytes"] = (f"{'PASS' if b['first_page'] <= 30 * 1024 else 'FAIL'} first page ≤ 30 KB; "
                    f"{'PASS' if b['fragment'] <= 15 * 1024 else 'FAIL'} fragment ≤ 15 KB; "
                    f"{'PASS' if b['static_fingerprinted_cached'] else 'FAIL'} static "
                    "fingerprinted, kept a year")
    if "export" in result:
        e, c = result["export"], result["export_country"]
        out["export"] = (f"{'PASS' if e['x'] <= 1.5 else 'FAIL'} province ≤ 1.5× plain "
                         f"xlsxwriter; {'PASS' if c['rss_growth_mb'] < 100 else 'FAIL'} whole "
                         f"data set < 100 MB growth; {'PASS' if c['ms'] < 60_000 else 'FAIL'} "
                         "whole data set well within the 120 s worker timeout")
    if "import" in result:
        parts = []
        for i in result["import"]:
            slowest = max(i["slowest_request_ms"], i["confirm_ms"], i["upload_ms"])
            parts.append(f"{i['rows']:,} rows: "
                         f"{'PASS' if i['preview_x'] <= 2 else 'FAIL'} preview ≤ 2× openpyxl "
                         f"({i['preview_x']:g}×), "
                         f"{'PASS' if i['confirm_x'] <= 3 else 'FAIL'} confirm ≤ 3× "
                         f"({i['confirm_x']:g}×), "
                         f"{'PASS' if slowest < 30_000 else 'FAIL'} every request < 30 s "
                         f"(slowest {slowest / 1000:.1f} s)")
        out["import"] = "; ".join(parts)
    if "concurrency" in result:
        c = result["concurrency"]
        out["concurrency"] = (f"{'PASS' if c['errors'] == 0 else 'FAIL'} 0 errors; "
                              f"{'PASS' if c['p95_ms'] <= 5 * c['median_ms'] else 'FAIL'} "
                              f"p95 ≤ 5× median ({c['p95_ms'] / c['median_ms']:.1f}×)")
    small = others.get(_key(result["database"], 0.1)) if result["scale"] != 0.1 else None
    if small:
        for name in result["ms"]:
            if name in small["ms"] and name != "home admin":
                # × floor against × floor: each run's own floor absorbs the machine's load,
                # which differs between two runs on a shared machine.
                ratio = result["ms"][name]["floor"] / small["ms"][name]["floor"]
                if "national" in name:  # the ministry's scope is the country: it grows
                    scaled = f"100 %/10 % = {ratio:.2f} (the whole country: no target)"
                else:
                    scaled = f"{'PASS' if ratio <= 1.5 else 'FAIL'} 100 %/10 % = {ratio:.2f}"
                out[name] = f"{out[name]}; {scaled}" if name in out else scaled
    return out


def table(result: dict, verdict: dict[str, str]) -> str:
    lines = [f"Scale {result['scale']:g}: {result['persons']:,} persons, "
             f"{result['communes']:,} communes, {result['provinces']} provinces "
             f"({result['database']}; built in {result['build_seconds']:g} s). "
             f"Machine: {result['machine']}"
             + (f", load average {result['load_average'][1]:g} (5 min) at the end"
                if "load_average" in result else "") + ".",
             f"Floor (a trivial signed-in page): {result['floor_ms']:g} ms", "",
             "| Path | ms (median) | × floor | SQL statements | Target |",
             "|---|---:|---:|---:|---|"]
    for name, value in result["ms"].items():
        lines.append(f"| {name} | {value['ms']:g} | {value['floor']:g} | "
                     f"{result['statements'].get(name, '')} | {verdict.get(name, '')} |")
    lines.append(f"| one figures call, province | {result['figures_call_province_ms']:g} | | | |")
    b = result["bytes"]
    lines += ["", f"Bytes (gzip): first page {b['first_page']:,} (HTML {b['html']:,}"
              + (f" + loaded after it {b['deferred']:,}" if b.get("deferred") else "")
              + " + static "
              + ", ".join(f"{k.split('/')[-1]} {v:,}" for k, v in b["static"].items())
              + f"), htmx fragment {b['fragment']:,}. {verdict['bytes']}"]
    if "export" in result:
        e, c = result["export"], result["export_country"]
        lines += ["", "| Export (registry, .xlsx) | rows | ms | floor ms | × floor | memory |",
                  "|---|---:|---:|---:|---:|---|",
                  f"| province | {e['rows']:,} | {e['ms']:g} | {e['plain_xlsxwriter_ms']:g} "
                  f"(plain xlsxwriter, same cells) | {e['x']:g} | traced peak "
                  f"{e['peak_mb']:g} MB (plain {e['plain_peak_mb']:g} MB) |",
                  f"| whole data set | {c['rows']:,} | {c['ms']:g} | | | peak RSS growth "
                  f"{c['rss_growth_mb']:g} MB ({c['bytes']:,} bytes written) |",
                  "", verdict.get("export", "")
                  + (f" (whole data set measured again after the run, load average "
                     f"{result['export_country_load_average'][1]:g})"
                     if "export_country_load_average" in result else "")]
    if "import" in result:
        lines += ["", "| Import (.xlsx, province officer) | openpyxl read ms | upload ms | "
                  "preview ms (requests) | × read | confirm ms | × read |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for i in result["import"]:
            lines.append(f"| {i['rows']:,} rows | {i['openpyxl_ms']:g} | {i['upload_ms']:g} | "
                         f"{i['preview_ms']:g} ({i['requests']}) | {i['preview_x']:g} | "
                         f"{i['confirm_ms']:g} | {i['confirm_x']:g} |")
        lines += ["", verdict.get("import", "")
                  + (f" (measured again after the run, load average "
                     f"{result['import_load_average'][1]:g})"
                     if "import_load_average" in result else "")]
    if "concurrency" in result:
        c = result["concurrency"]
        lines += ["", f"Concurrency (gunicorn, {c['workers']} workers, {c['clients']} clients on "
                  f"loopback, {c['seconds']:g} s): {c['rps']:g} req/s, median "
                  f"{c['median_ms']:g} ms, p95 {c['p95_ms']:g} ms, {c['errors']} errors of "
                  f"{c['requests']:,}. {verdict.get('concurrency', '')}"]
    return "\n".join(lines)


def _key(database: str, scale: float) -> str:
    """results.json entry: "0.1", "1" on SQLite; "postgresql 0.1"… on another database."""
    return f"{scale:g}" if database == "sqlite" else f"{database.split('+')[0]} {scale:g}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=25)
    parser.add_argument("--no-concurrency", action="store_true")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="how long the 32 clients run under gunicorn")
    parser.add_argument("--reuse", action="store_true", help="measure the database built before")
    parser.add_argument("--table", action="store_true",
                        help="print the table saved in bench/results.json for --scale, measure nothing")
    parser.add_argument("--build-only", action="store_true",
                        help="build the data set and measure nothing")
    parser.add_argument("--only", default=",".join(PARTS),
                        help="comma-separated parts to measure (" + ", ".join(PARTS) + "); a "
                             "partial run prints its figures and saves nothing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    only = tuple(part.strip() for part in args.only.split(",") if part.strip())
    if unknown := set(only) - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if args.table:
        saved = json.loads(RESULTS.read_text())
        database = _database_url(args.scale).split(":")[0]
        result = saved[_key(database, args.scale)]
        result["verdicts"] = verdicts(result, saved)
        RESULTS.write_text(json.dumps(saved, ensure_ascii=False, indent=1) + "\n")
        print(table(result, result["verdicts"]))
        return
    result = run(args.scale, args.reps, not args.no_concurrency, args.reuse, args.seconds,
                 only, args.build_only)
    if args.build_only:
        return
    if set(only) != set(PARTS):
        print(json.dumps({k: v for k, v in result.items() if k in (
            "ms", "statements", "floor_ms", "bytes", "figures_call_province_ms", "export",
            "export_country", "import", "concurrency")}, ensure_ascii=False, indent=1))
        return
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    verdict = verdicts(result, saved)
    result["verdicts"] = verdict
    saved[_key(result["database"], args.scale)] = result
    RESULTS.write_text(json.dumps(saved, ensure_ascii=False, indent=1) + "\n")
    print(table(result, verdict))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# latency.sh - does the browser answer keys at once while a big upload runs?
#
# Writes one file of SIZE MiB (default 4096) into OUTDIR/latency/data: real
# content, AES-128-CTR output keyed by the seed (the same bytes each run),
# not a sparse file. A sparse file would be read from zero pages without any
# disk reads and would make the upload lighter than a real one; the UI is
# measured here against an upload that really reads, hashes and writes.
#
# An embedded Python 3 helper runs "vds browse" in a pseudo-terminal (100x30,
# TERM=xterm) from that folder, follows the screen with a small terminal
# emulator, and drives it with keys only:
#   c (two datasets, latency-a and latency-b), v (a draft of latency-a),
#   then KEYS single keys, j and k alternately in the Datasets pane, with no
#   job running (idle);
#   u, Space (mark the file in the picker), u, Enter (upload it into the
#   draft); once the bottom line shows "job #N upload ..." with bytes moving,
#   KEYS keys again as above while the upload runs.
# Keys are sent one at a time, at least GAP ms apart (default 50) and never
# before the previous key's screen update has ended. For each key: the time
# from writing it to the first byte of its screen update (output that only
# redraws the progress line does not count) and to the last byte of that
# burst (the next 20 ms are quiet). Keys sent after the upload ended are not
# counted. Reported: count, min, median, p95, max, keys over 50 ms.
# Target: under load, median and p95 key-to-last-byte under 50 ms.
#
# Upload throughput: the browser's bytes read (/proc/PID/io rchar) while the
# keys were sent, and Enter-to-done for the whole upload; against
# "vds datasets versions create --source-path FILE" alone in a fresh store,
# run once before the browser and once after (their spread shows how much
# such uploads vary from run to run): the same stretch of the file (the same
# byte range), all bytes read, and the whole command. The page cache is
# dropped just before each upload when allowed (root). The CPU time of the
# browser's UI thread while the keys were sent is printed too.
#
# Usage: bench/latency.sh [--size-mb N] [--keys N] [--gap-ms N] [--seed N]
#                         [--keep] [OUTDIR]
#   OUTDIR defaults to ./bench/out; everything is written below OUTDIR/latency.
#   Needs about twice SIZE free plus 512 MiB: each store copy of the file is
#   deleted once checked, --keep or not (--keep leaves the file, the per-key
#   logs and what the terminal was sent). VDS_BIN names the vds binary.
set -euo pipefail

SIZE_MB=4096
KEYS=200
GAP_MS=50
SEED=42
KEEP=0
OUT=./bench/out

. "$(dirname "$0")/lib.sh"
bench_args latency.sh "size-mb:SIZE_MB keys:KEYS gap-ms:GAP_MS seed:SEED" "$@"
case $SIZE_MB$KEYS$GAP_MS$SEED in
'' | *[!0-9]*) echo "latency.sh: sizes, counts, gaps and seeds are numbers" >&2; exit 2 ;;
esac
[ "$SIZE_MB" -ge 1 ] || SIZE_MB=1
[ "$KEYS" -ge 2 ] || KEYS=2
KEYS=$(((KEYS + 1) / 2 * 2)) # j and k in pairs: each run ends where it began

here=$(cd "$(dirname "$0")" && pwd)
VDS=${VDS_BIN:-$here/../vds}
[ -x "$VDS" ] || { echo "latency.sh: no vds binary at $VDS (set VDS_BIN)" >&2; exit 1; }
VDS=$(cd "$(dirname "$VDS")" && pwd)/$(basename "$VDS")

mkdir -p "$OUT"
W=$(cd "$OUT" && pwd)/latency
rm -rf "$W"
mkdir -p "$W"
export HOME=$W/userhome TZ=UTC LC_ALL=C
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME VDS_DATADIR VDS_HOME VDS_UI_SCRIPT VDS_NOW
mkdir -p "$HOME"
DATA=$W/data # the picker starts here: it holds the file alone
FILE=$DATA/upload.bin
UI_HOME=$W/ui-home
BYTES=$((SIZE_MB * 1048576))
COLS=100
ROWS=30

bench_init latency.sh $(((SIZE_MB * 2 + 512) * 1024))

fail() { echo "latency.sh: $*" >&2; exit 1; }

if ! command -v python3 >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "latency.sh: installing python3" >&2
		apt-get install -y python3 >&2 || fail "could not install python3"
	else
		fail "needs python3 (Debian: apt-get install python3)"
	fi
fi

# ---- the helper: a pseudo-terminal, a small terminal emulator, the timing ----
cat >"$W/latency.py" <<'PY'
import argparse, codecs, fcntl, os, pty, re, select, signal, struct, subprocess, sys, termios, time

now = time.monotonic

def log(msg):
    print("latency.sh: " + msg, file=sys.stderr, flush=True)

def die(msg, screen=None):
    if screen is not None:
        print("\n".join(screen.text()), file=sys.stderr)
    print("latency.sh: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)

def cpu_s(pid):
    """CPU seconds of the main (UI) thread and of all the others, ended ones too."""
    def ticks(path):
        with open(path) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return int(st[11]) + int(st[12])
    try:
        total = ticks("/proc/%d/stat" % pid)
        main = ticks("/proc/%d/task/%d/stat" % (pid, pid))
    except OSError:
        return 0.0, 0.0
    hz = os.sysconf("SC_CLK_TCK")
    return main / hz, (total - main) / hz

def rchar(pid):
    """Bytes the process has read so far (all its threads)."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Screen:
    """Enough of an xterm to follow what curses sends: cursor moves, erasing,
    insert/delete, scroll regions. Each feed() returns the rows whose cells
    it wrote or erased."""

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.dec = codecs.getincrementaldecoder("utf-8")("replace")
        self.state, self.seq = "text", ""
        self.reset()

    def reset(self):
        self.s = [[" "] * self.cols for _ in range(self.rows)]
        self.r = self.c = 0
        self.top, self.bot = 0, self.rows - 1
        self.saved = (0, 0)
        self.last = " "
        self.wrap = False

    def text(self):
        return ["".join(row).rstrip() for row in self.s]

    def row(self, r):
        return "".join(self.s[r]).rstrip()

    def _blank(self):
        return [" "] * self.cols

    def _scroll_up(self, n, touched):
        for _ in range(n):
            del self.s[self.top]
            self.s.insert(self.bot, self._blank())
        touched.update(range(self.top, self.bot + 1))

    def _scroll_down(self, n, touched):
        for _ in range(n):
            del self.s[self.bot]
            self.s.insert(self.top, self._blank())
        touched.update(range(self.top, self.bot + 1))

    def _index(self, touched):
        if self.r == self.bot:
            self._scroll_up(1, touched)
        elif self.r < self.rows - 1:
            self.r += 1

    def _put(self, ch, touched):
        if self.wrap:
            self.c = 0
            self._index(touched)
            self.wrap = False
        self.s[self.r][self.c] = ch
        touched.add(self.r)
        self.last = ch
        if self.c == self.cols - 1:
            self.wrap = True
        else:
            self.c += 1

    def _clamp(self):
        self.r = max(0, min(self.rows - 1, self.r))
        self.c = max(0, min(self.cols - 1, self.c))
        self.wrap = False

    def _csi(self, seq, touched):
        final, body = seq[-1], seq[:-1]
        if body[:1] in ("?", ">", "=", "<", "!"):
            return  # private modes: cursor visibility, keypad, alternate screen
        ps = [int(p) if p.isdigit() else 0 for p in body.split(";")] if body else []
        p1 = ps[0] if ps else 0
        n = p1 or 1
        r, c = self.r, self.c
        if final in "Hf":
            self.r = (p1 or 1) - 1
            self.c = (ps[1] if len(ps) > 1 and ps[1] else 1) - 1
        elif final == "A": self.r -= n
        elif final == "B": self.r += n
        elif final == "C": self.c += n
        elif final == "D": self.c -= n
        elif final == "E": self.r += n; self.c = 0
        elif final == "F": self.r -= n; self.c = 0
        elif final in "G`": self.c = n - 1
        elif final == "d": self.r = n - 1
        elif final == "K":
            lo, hi = {0: (c, self.cols), 1: (0, c + 1)}.get(p1, (0, self.cols))
            for i in range(lo, hi):
                self.s[r][i] = " "
            touched.add(r)
        elif final == "J":
            if p1 == 0:
                rows = range(r + 1, self.rows)
                for i in range(c, self.cols):
                    self.s[r][i] = " "
                touched.add(r)
            elif p1 == 1:
                rows = range(0, r)
                for i in range(0, c + 1):
                    self.s[r][i] = " "
                touched.add(r)
            else:
                rows = range(self.rows)
            for i in rows:
                self.s[i] = self._blank()
                touched.add(i)
        elif final == "X":
            for i in range(c, min(self.cols, c + n)):
                self.s[r][i] = " "
            touched.add(r)
        elif final == "P":
            line = self.s[r]
            del line[c:c + n]
            line.extend([" "] * (self.cols - len(line)))
            touched.add(r)
        elif final == "@":
            line = self.s[r]
            line[c:c] = [" "] * n
            del line[self.cols:]
            touched.add(r)
        elif final in "LM":
            if self.top <= r <= self.bot:
                for _ in range(min(n, self.bot - r + 1)):
                    if final == "L":
                        del self.s[self.bot]
                        self.s.insert(r, self._blank())
                    else:
                        del self.s[r]
                        self.s.insert(self.bot, self._blank())
                touched.update(range(r, self.bot + 1))
        elif final == "S": self._scroll_up(n, touched)
        elif final == "T": self._scroll_down(n, touched)
        elif final == "r":
            self.top = (p1 or 1) - 1
            self.bot = (ps[1] if len(ps) > 1 and ps[1] else self.rows) - 1
            self.r = self.c = 0
        elif final == "b":
            for _ in range(n):
                self._put(self.last, touched)
            return
        else:
            return  # SGR and the like: no cells, no cursor
        self._clamp()

    def feed(self, data):
        touched = set()
        for ch in self.dec.decode(data):
            st = self.state
            if st == "text":
                if ch == "\x1b":
                    self.state = "esc"
                elif ch == "\r":
                    self.c = 0; self.wrap = False
                elif ch in "\n\x0b\x0c":
                    self.wrap = False; self._index(touched)
                elif ch == "\b":
                    self.c = max(0, self.c - 1); self.wrap = False
                elif ch == "\t":
                    self.c = min(self.cols - 1, (self.c // 8 + 1) * 8); self.wrap = False
                elif ch >= " " and ch != "\x7f":
                    self._put(ch, touched)
            elif st == "esc":
                self.state = "text"
                if ch == "[":
                    self.state, self.seq = "csi", ""
                elif ch in "]P_^X":
                    self.state = "string"
                elif ch in "()*+-./#%":
                    self.state = "charset"
                elif ch == "7":
                    self.saved = (self.r, self.c)
                elif ch == "8":
                    self.r, self.c = self.saved; self.wrap = False
                elif ch == "D":
                    self._index(touched)
                elif ch == "E":
                    self.c = 0; self._index(touched)
                elif ch == "M":
                    if self.r == self.top:
                        self._scroll_down(1, touched)
                    elif self.r > 0:
                        self.r -= 1
                elif ch == "c":
                    self.reset()
                    touched.update(range(self.rows))
            elif st == "csi":
                self.seq += ch
                if "\x40" <= ch <= "\x7e":
                    self.state = "text"
                    self._csi(self.seq, touched)
            elif st == "charset":
                self.state = "text"
            elif st == "string":  # OSC/DCS: up to BEL or ESC \
                if ch == "\x07":
                    self.state = "text"
                elif ch == "\x1b":
                    self.state = "string-esc"
            elif st == "string-esc":
                self.state = "text" if ch == "\\" else "string"
        return touched


class Browser:
    def __init__(self, a):
        self.a = a
        self.scr = Screen(a.rows, a.cols)
        self.jobs_row, self.status_row = a.rows - 1, a.rows - 2
        self.tty = open(os.path.join(a.out, "ui.tty"), "wb")
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.chdir(a.data)
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
                env = dict(os.environ, TERM=a.term, VDS_HOME=a.home)
                for k in ("LINES", "COLUMNS"):
                    env.pop(k, None)
                os.execve(a.vds, [a.vds, "browse"], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.poll = select.poll()
        self.poll.register(fd, select.POLLIN)
        self.eof = False

    def chunk(self, timeout):
        """One read: (time, rows touched, bytes), or None after TIMEOUT s."""
        if self.eof:
            return None
        if not self.poll.poll(max(0, timeout) * 1000):
            return None
        t = now()
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return None
        self.tty.write(data)
        return t, self.scr.feed(data), len(data)

    def drain(self):
        while self.chunk(0):
            pass

    def key(self, s):
        os.write(self.fd, s.encode())

    def wait(self, pred, what, timeout=60.0, tick=None):
        end = now() + timeout
        while not pred():
            if self.eof:
                die("vds browse exited while waiting for " + what, self.scr)
            if now() > end:
                die("no %s on the screen within %.0f s" % (what, timeout), self.scr)
            self.chunk(0.02)
            if tick:
                tick()

    def jobs(self):
        return self.scr.row(self.jobs_row)

    def status(self):
        return self.scr.row(self.status_row)

    def on_screen(self, text):
        return lambda: any(text in line for line in self.scr.text())

    def form(self, key, title, typed, done_re, what):
        """Opens a form with KEY, types TYPED, Enter; waits for the job's result."""
        self.key(key)
        self.wait(self.on_screen(title), "form '%s'" % title)
        self.key(typed + "\r")
        self.wait(lambda: re.search(done_re, self.jobs()), what)
        return re.search(done_re, self.jobs())

    def press(self, k, expect, gap, upload=None):
        """Sends key K and times its screen update. Returns a record."""
        self.drain()
        t0 = now()
        self.key(k)
        first = last = None
        nbytes = 0
        deadline = t0 + 5.0
        cand, cand_bytes = None, 0  # reads writing no cell (moves, colours) may begin it
        while True:
            ch = self.chunk(deadline - now() if first is None else 0.020)
            if ch is None:
                break
            t, rows, n = ch
            if first is None:
                if rows - {self.jobs_row}:
                    first, last, nbytes = cand or t, t, cand_bytes + n
                elif rows:
                    cand, cand_bytes = None, 0  # a progress redraw only, not the answer
                else:
                    cand, cand_bytes = cand or t, cand_bytes + n
            else:
                last, nbytes = t, nbytes + n
        if self.eof:
            die("vds browse exited during the keys", self.scr)
        if first is not None and expect not in self.status():
            die("after key %r the status line does not name %s" % (k, expect), self.scr)
        rec = {"key": k, "first": None if first is None else (first - t0) * 1000,
               "last": None if last is None else (last - t0) * 1000, "bytes": nbytes,
               "t0": t0}
        if upload:
            rec["up_bytes"] = upload()
            rec["running"] = bool(UP_RUNNING.search(self.jobs()))
        # the next key: GAP ms after this one, and after its output has ended
        pause = t0 + gap / 1000.0 - now()
        if pause > 0:
            end = now() + pause
            while now() < end:
                self.chunk(end - now())
        return rec

    def quit(self):
        self.key("q")
        end = now() + 30
        while not self.eof and now() < end:
            self.chunk(0.1)
        if not self.eof:
            os.kill(self.pid, signal.SIGTERM)
        _, status = os.waitpid(self.pid, 0)
        self.tty.close()
        if not self.eof:
            return "no exit within 30 s of q"
        return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


UP_RUNNING = re.compile(r"^job #\d+ upload [^:]*:[^ ]* \d+% ")
UP_DONE = re.compile(r"^job #\d+ upload .* (done|failed|cancelled): (.*)")


def stats(name, recs, field):
    v = sorted(r[field] for r in recs if r[field] is not None)
    none = sum(1 for r in recs if r[field] is None)
    if not v:
        return "%s %d - - - - - %d" % (name, 0, none)
    p95 = v[max(0, -(-len(v) * 95 // 100) - 1)]
    med = v[(len(v) - 1) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
    over = sum(1 for x in v if x > 50.0)
    return "%s %d %.2f %.2f %.2f %.2f %d %d" % (name, len(v), v[0], med, p95, v[-1], over, none)


def write_keys(path, recs):
    with open(path, "w") as f:
        f.write("n\tkey\tfirst_ms\tlast_ms\tbytes\tupload_bytes\n")
        for i, r in enumerate(recs):
            fmt = lambda x: "-" if x is None else "%.3f" % x
            f.write("%d\t%s\t%s\t%s\t%d\t%s\n" % (i + 1, r["key"], fmt(r["first"]), fmt(r["last"]),
                    r["bytes"], r.get("up_bytes", "-")))


def run_ui(a):
    b = Browser(a)
    out = []
    b.wait(lambda: "jobs: none" in b.jobs(), "first screen")
    m = b.form("c", "Create a dataset", "latency-a", r"created dataset latency-a \((ds[0-9a-z]+)\)",
               "dataset latency-a")
    ds_a = m.group(1)
    m = b.form("c", "Create a dataset", "latency-b", r"created dataset latency-b \((ds[0-9a-z]+)\)",
               "dataset latency-b")
    ds_b = m.group(1)
    m = b.form("v", "New draft version of", "latency draft",
               r"created draft (%s):([0-9a-z]+)" % ds_a, "draft of latency-a")
    ver = m.group(2)
    b.wait(lambda: (ds_a + ":" + ver) in b.status(), "the draft selected")
    out.append("DS %s\nVER %s" % (ds_a, ver))
    exp = {"j": ds_b, "k": ds_a + ":" + ver}

    # ---- idle: no job running
    log("%d keys, no job running" % a.keys)
    idle = []
    for i in range(a.keys):
        k = "jk"[i % 2]
        idle.append(b.press(k, exp[k], a.gap))
    write_keys(os.path.join(a.out, "keys-idle.tsv"), idle)

    # ---- the upload, through the picker
    b.key("u")
    b.wait(b.on_screen("Upload from"), "the picker")
    name = os.path.basename(a.file)
    b.wait(b.on_screen(name), "%s in the picker" % name)
    b.key(" ")
    b.wait(b.on_screen("[x] " + name), "%s marked" % name)
    b.key("u")
    b.wait(b.on_screen("Folder in the version"), "the upload form")
    r0 = rchar(b.pid)
    if r0 is None:
        die("cannot read /proc/%d/io" % b.pid)
    # the upload's bytes read (the few the keys read from the store count too)
    done_bytes = lambda: min(a.size, rchar(b.pid) - r0)
    series = []
    def sample():
        series.append((now(), done_bytes()))
    if a.drop_cmd:  # the page cache goes just before the upload, as before the CLI's
        subprocess.run(a.drop_cmd, shell=True, check=True)
    t_submit = now()
    b.key("\r")
    b.wait(lambda: UP_RUNNING.search(b.jobs()) and done_bytes() > 0, "job #N upload running",
           tick=sample)
    t_running = now()
    log("upload running (%.2f s after Enter); %d keys" % (t_running - t_submit, a.keys))
    load = []
    w0 = None
    for i in range(a.keys):
        k = "jk"[i % 2]
        before = (now(), done_bytes())
        rec = b.press(k, exp[k], a.gap, upload=done_bytes)
        if not rec["running"] or UP_DONE.search(b.jobs()):
            break  # the upload ended during this key: not under load
        if w0 is None:
            w0, c0 = before, cpu_s(b.pid)
        w1, c1 = (now(), done_bytes()), cpu_s(b.pid)
        load.append(rec)
    skipped = a.keys - len(load)
    write_keys(os.path.join(a.out, "keys-upload.tsv"), load)
    if skipped:
        log("the upload ended after %d keys: the other %d were not sent under load" %
            (len(load), skipped))
    b.wait(lambda: UP_DONE.search(b.jobs()), "the upload's end", timeout=7200, tick=sample)
    t_done = now()
    m = UP_DONE.search(b.jobs())
    if m.group(1) != "done" or ("(%d bytes)" % a.size) not in m.group(2):
        die("the upload did not put %d bytes: %s" % (a.size, b.jobs()), b.scr)
    copied = [t for t, n in series if n >= a.size]
    t_copied = copied[0] if copied else t_done
    code = b.quit()
    if code != 0:
        die("vds browse exited with status %s" % code)

    out.append(stats("IDLE_FIRST", idle, "first"))
    out.append(stats("IDLE_LAST", idle, "last"))
    out.append(stats("LOAD_FIRST", load, "first"))
    out.append(stats("LOAD_LAST", load, "last"))
    bytes_med = lambda recs: sorted(r["bytes"] for r in recs)[(len(recs) - 1) // 2] if recs else 0
    out.append("BYTES %d %d" % (bytes_med(idle), bytes_med(load)))
    out.append("SKIPPED %d" % skipped)
    if w0 and w1[0] > w0[0]:
        out.append("WINDOW %d %d %.3f" % (w0[1], w1[1], w1[0] - w0[0]))
        out.append("CPU %.2f %.2f" % (c1[0] - c0[0], c1[1] - c0[1]))
    else:
        out.append("WINDOW 0 0 0")
        out.append("CPU 0 0")
    out.append("UI_UPLOAD %.3f %.3f %.3f" % (t_running - t_submit, t_copied - t_submit,
                                            t_done - t_submit))
    print("\n".join(out))


def read_at(series, nbytes):
    """When a run had read NBYTES: linear between its (time, bytes) samples."""
    prev = series[0]
    for t, n in series:
        if n >= nbytes:
            if n == prev[1]:
                return t
            return prev[0] + (t - prev[0]) * (nbytes - prev[1]) / (n - prev[1])
        prev = (t, n)
    return series[-1][0]


def run_cli(a):
    cmd = [a.vds, "datasets", "versions", "create", "--id", a.ds, "--message", "latency cli",
           "--source-path", a.file]
    env = dict(os.environ, VDS_HOME=a.home)
    log_path = a.series + ".out"
    with open(log_path, "wb") as o:
        t0 = now()
        p = subprocess.Popen(cmd, stdout=o, stderr=subprocess.STDOUT, env=env)
        series = [(t0, 0)]
        r0 = None
        while p.poll() is None:
            v = rchar(p.pid)
            if v is not None:
                if r0 is None:
                    r0 = v
                series.append((now(), v - r0))
            time.sleep(0.005)
        t_end = now()
    out = open(log_path).read()
    if p.returncode != 0 or "Committed dataset version: " not in out:
        sys.stderr.write(out)
        die("'%s' failed with status %d" % (" ".join(cmd), p.returncode))
    series.append((t_end, a.size))
    with open(a.series, "w") as f:
        for t, n in series:
            f.write("%.6f %d\n" % (t - t0, n))
    print("%.3f %.3f" % (read_at(series, a.size) - t0, t_end - t0))


def run_stretch(a):
    with open(a.series) as f:
        series = [(float(t), int(n)) for t, n in (line.split() for line in f)]
    print("%.3f" % (read_at(series, a.window_to) - read_at(series, a.window_from)))


ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["ui", "cli", "stretch"])
ap.add_argument("--vds")
ap.add_argument("--home")
ap.add_argument("--out")
ap.add_argument("--file")
ap.add_argument("--size", type=int)
ap.add_argument("--data")
ap.add_argument("--keys", type=int, default=200)
ap.add_argument("--gap", type=float, default=50)
ap.add_argument("--rows", type=int, default=30)
ap.add_argument("--cols", type=int, default=100)
ap.add_argument("--term", default="xterm")
ap.add_argument("--ds")
ap.add_argument("--drop-cmd")
ap.add_argument("--series")
ap.add_argument("--window-from", type=int, default=0)
ap.add_argument("--window-to", type=int, default=0)
a = ap.parse_args()
{"ui": run_ui, "cli": run_cli, "stretch": run_stretch}[a.mode](a)
PY

# ---- the file ----------------------------------------------------------------
mkdir -p "$DATA"
echo "latency.sh: writing $SIZE_MB MiB to $FILE" >&2
t0=$(now_ns)
if command -v openssl >/dev/null 2>&1; then
	# AES-128-CTR over zeros, keyed by the seed: the same bytes on every run
	key=$(printf '%032x' "$SEED")
	GEN="openssl aes-128-ctr, seed $SEED"
	{ openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 \
		-nosalt -in /dev/zero 2>/dev/null || true; } | head -c "$BYTES" >"$FILE"
else
	GEN="/dev/urandom (openssl not found: content not reproducible)"
	head -c "$BYTES" /dev/urandom >"$FILE"
fi
[ "$(stat -c %s "$FILE")" = "$BYTES" ] || fail "$FILE is not $BYTES bytes"
sync
t1=$(now_ns)
echo "latency.sh: written in $(secs "$t0" "$t1") s" >&2

# results FILE: the helper's "NAME VALUES..." lines into R[NAME]
declare -A R
results() {
	local name vals
	while read -r name vals; do R[$name]=$vals; done <"$1"
}
# details_field HOME DS:VER FIELD: one row of "versions details"
details_field() {
	VDS_HOME=$1 "$VDS" datasets versions details --id "$2" |
		awk -F'|' -v f="$3" '$2 ~ "^ " f " " { gsub(/^ +| +$/, "", $3); print $3 }'
}
# forget HOME: the store copy is checked; it goes (it needs as much room as the file)
forget() {
	chmod -R u+rwX "$1"
	rm -rf "$1"
	sync
}
# cli_run N: the file through "vds datasets versions create" in a fresh store;
# its bytes-read series goes to $W/cli-N.tsv, "COPIED WHOLE" seconds to CLI[N]
declare -A CLI
cli_run() {
	local home=$W/cli-home-$1 ds
	echo "latency.sh: vds datasets versions create --source-path, alone ($1)" >&2
	ds=$(VDS_HOME=$home "$VDS" datasets create --name latency-cli | awk '/^Created dataset: / { print $3 }')
	[ -n "$ds" ] || fail "could not create a dataset in $home"
	drop_caches
	CLI[$1]=$(python3 "$W/latency.py" cli --vds "$VDS" --home "$home" --ds "$ds" --file "$FILE" \
		--size "$BYTES" --series "$W/cli-$1.tsv") || fail "the CLI run failed"
	forget "$home"
}

# The CLI runs once before the browser and once after: uploads that go
# through the page cache vary from run to run (more so on virtual machines),
# and the two runs show by how much.
cli_run before

# ---- the browser ---------------------------------------------------------------
echo "latency.sh: vds browse in a ${COLS}x${ROWS} pseudo-terminal (TERM=xterm)" >&2
# the helper drops the page cache (lib.sh's drop_caches) just before Enter
DROP_CMD="CAN_DROP=$CAN_DROP bash -c '. \"$here/lib.sh\"; drop_caches'"
python3 "$W/latency.py" ui --vds "$VDS" --home "$UI_HOME" --out "$W" --data "$DATA" \
	--file "$FILE" --size "$BYTES" --keys "$KEYS" --gap "$GAP_MS" --rows $ROWS --cols $COLS \
	--term xterm --drop-cmd "$DROP_CMD" >"$W/ui.txt" ||
	fail "the browser run failed (what it was sent: $W/ui.tty, with --keep)"
results "$W/ui.txt"
REF="${R[DS]}:${R[VER]}"
n=$(details_field "$UI_HOME" "$REF" Files)
size=$(details_field "$UI_HOME" "$REF" Size)
[ "$n" = 1 ] && [ "${size%% *}" = "$BYTES" ] ||
	fail "$REF holds $n files of $size, not the file of $BYTES bytes"
forget "$UI_HOME"

cli_run after

# ---- report ----------------------------------------------------------------
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v != "-" && v < t ? "met" : "MISSED") }'; }
mibs() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else print "-" }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }

read -r W_FROM W_TO W_SECS <<<"${R[WINDOW]}"
W_BYTES=$((W_TO - W_FROM))
read -r UP_RUN UP_COPIED UP_DONE <<<"${R[UI_UPLOAD]}"
read -r BYTES_IDLE BYTES_LOAD <<<"${R[BYTES]}"
read -r CPU_UI CPU_REST <<<"${R[CPU]}"
declare -A STRETCH
for run in before after; do
	STRETCH[$run]=$(python3 "$W/latency.py" stretch --series "$W/cli-$run.tsv" \
		--window-from "$W_FROM" --window-to "$W_TO")
done
row() { printf '  %-50s %7s %8s %7s\n' "$@"; }

echo
echo "vds key-to-screen latency benchmark"
echo "  vds:      $("$VDS" --version) ($VDS)"
echo "  terminal: pseudo-terminal ${COLS}x${ROWS}, TERM=xterm; j and k alternately in the Datasets"
echo "            pane (2 datasets), each key at least $GAP_MS ms after the previous one and"
echo "            after its output ended; $KEYS keys a run"
echo "  file:     $SIZE_MB MiB, real content ($GEN); $(nproc) CPUs; $(df -PT "$W" | awk 'NR == 2 { print $2 }')"
if [ "$CAN_DROP" = 1 ]; then
	echo "  caches:   page cache dropped just before each upload"
else
	echo "  caches:   could NOT be dropped (no permission): the file may be read from memory"
fi
echo
echo "Key to screen (ms)"
echo
printf '  %-34s %5s %8s %8s %8s %8s %8s %8s\n' "" keys min median p95 max "> 50 ms" "no reply"
for r in "IDLE_FIRST:no job, to first byte" "IDLE_LAST:no job, to last byte" \
	"LOAD_FIRST:during the upload, to first byte" "LOAD_LAST:during the upload, to last byte"; do
	read -r n mn md p95 mx over none <<<"${R[${r%%:*}]}"
	printf '  %-34s %5s %8s %8s %8s %8s %8s %8s\n' "${r#*:}" "$n" "$mn" "$md" "$p95" "$mx" "$over" "$none"
done
echo
echo "  bytes sent per key (median): $BYTES_IDLE with no job, $BYTES_LOAD during the upload"
[ "${R[SKIPPED]}" = 0 ] ||
	echo "  the upload ended after $((KEYS - R[SKIPPED])) of the $KEYS keys: the others were not counted"
echo
echo "Upload throughput"
echo
row "" MiB s MiB/s
row "browser: bytes read while the keys were sent" "$(mib "$W_BYTES")" "$W_SECS" "$(mibs "$W_BYTES" "$W_SECS")"
for run in before after; do
	row "CLI alone ($run): the same stretch of the file" "$(mib "$W_BYTES")" "${STRETCH[$run]}" \
		"$(mibs "$W_BYTES" "${STRETCH[$run]}")"
done
row "browser: Enter to all bytes read" "$SIZE_MB" "$UP_COPIED" "$(mibs "$BYTES" "$UP_COPIED")"
for run in before after; do
	read -r copied whole <<<"${CLI[$run]}"
	row "CLI alone ($run): start to all bytes read" "$SIZE_MB" "$copied" "$(mibs "$BYTES" "$copied")"
done
row "browser: Enter to \"done\" on the jobs line" "$SIZE_MB" "$UP_DONE" "$(mibs "$BYTES" "$UP_DONE")"
for run in before after; do
	read -r copied whole <<<"${CLI[$run]}"
	row "CLI alone ($run): the whole command" "$SIZE_MB" "$whole" "$(mibs "$BYTES" "$whole")"
done
echo
echo "  the job started ${UP_RUN} s after Enter; the CLI's whole command also creates and commits"
echo "  the version. CPU while the keys were sent ($W_SECS s): the browser's UI thread $CPU_UI s,"
echo "  its other threads (the upload) $CPU_REST s."
echo
read -r _ _ LMED LP95 _ <<<"${R[LOAD_LAST]}"
printf '  %-50s %9s   target %-8s %s\n' "during the upload: median key to last byte" "$LMED ms" "< 50 ms" "$(verdict "$LMED" 50)"
printf '  %-50s %9s   target %-8s %s\n' "during the upload: p95 key to last byte" "$LP95 ms" "< 50 ms" "$(verdict "$LP95" 50)"
if [ "$KEEP" = 1 ]; then
	echo
	echo "  per key: $W/keys-idle.tsv, $W/keys-upload.tsv; terminal output: $W/ui.tty"
fi
exit 0

# Nightshift's command executor: the main process of every sandbox container (under docker-init).
# The host writes one JSON request per line to its stdin and reads one JSON reply per line from its
# stdout. Running commands this way costs a fork instead of a `docker exec` (~50 ms).
#
# The executor runs as root inside the container with only CAP_SETUID, CAP_SETGID, CAP_SETPCAP and
# CAP_KILL (no-new-privileges on), and is not dumpable. Every command runs as uid/gid 1000 (or the
# worker's own uid, NIGHTSHIFT_COMMAND_UID, when the worker is neither root nor 1000) with an
# empty capability bounding set, so a command cannot open the executor's stdin/stdout through
# /proc/<pid>/fd, read its memory, or signal it: it cannot write, read or forge the channel.
# Commands run one at a time; when one ends, every process of uid 1000 is killed (kill(-1) as that
# uid's only user), so nothing a command started — setsid() daemons and double forks included —
# outlives it. Standard library only: any image with python3 can run it.
import base64, ctypes, json, os, queue, signal, subprocess, sys, threading, time

COMMAND_UID = int(os.environ.get("NIGHTSHIFT_COMMAND_UID") or 1000)
COMMAND_GID = COMMAND_UID
PR_SET_DUMPABLE, PR_CAPBSET_DROP = 4, 24

libc = ctypes.CDLL(None, use_errno=True)
send_lock = threading.Lock()
current = {"id": None, "proc": None}  # the one running command
# Held while a kill of "the current command" runs, so it can never reach the next command.
kill_lock = threading.Lock()
cancelled = set()  # ids the host asked to kill before they started
requests = queue.Queue()


def send(message):
    line = (json.dumps(message) + "\n").encode()
    with send_lock:
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()


def oom_kills():
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except OSError:
            pass
    return 0


class Capped:
    """Keeps the first and last limit/2 bytes of a stream and counts all of them."""

    def __init__(self, limit):
        self.half = limit // 2
        self.keep = limit - self.half
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def pump(self, stream):
        while True:
            chunk = stream.read1(65536)
            if not chunk:
                return
            self.total += len(chunk)
            room = self.half - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail += chunk
                if len(self.tail) > self.keep:
                    del self.tail[: len(self.tail) - self.keep]

    def reply(self):
        return {"head": base64.b64encode(self.head).decode(), "tail": base64.b64encode(self.tail).decode(), "total": self.total}


def kill_all_commands():
    # kill(-1) signals every process we may signal except ourselves and pid 1 (docker-init): with
    # CAP_KILL that is every process a command started, whatever its session or parent. Repeat until
    # none is left but zombies (a fork bomb forks while being killed), then wait for docker-init to
    # reap those: each still holds a slot of the pids limit, and the next command (its shell's forks,
    # this executor's threads) needs them. Give up after five seconds.
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            break
        if not others(alive_only=True):
            break
        time.sleep(0.005)
    while others(alive_only=False) and time.monotonic() < deadline:
        time.sleep(0.01)


def locked_kill_all():
    with kill_lock:
        kill_all_commands()


def others(alive_only):
    # Processes other than docker-init and this executor (its threads are not listed in /proc).
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in (1, me):
            if not alive_only:
                return True
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        return True
            except (OSError, IndexError):
                pass
    return False


def retrying(start, errors, seconds=5.0):
    # A fork or thread start can still meet a full pids limit (zombies not reaped within the kill's
    # five seconds): retry for a few seconds before calling it the command's failure.
    deadline = time.monotonic() + seconds
    while True:
        try:
            return start()
        except errors:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def popen(argv, **options):
    return retrying(lambda: subprocess.Popen(argv, **options), BlockingIOError)


def drop_privileges(cwd):
    # Runs in the child between fork and exec: no capability can come back, then become uid 1000.
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # EINVAL: no such cap
            raise OSError(ctypes.get_errno(), "cannot drop the capability bounding set")
    os.setgroups([])
    os.setresgid(COMMAND_GID, COMMAND_GID, COMMAND_GID)
    os.setresuid(COMMAND_UID, COMMAND_UID, COMMAND_UID)
    os.chdir(cwd)


def run(request):
    rid = request["id"]
    if rid in cancelled:
        cancelled.discard(rid)
        empty = Capped(0).reply()
        send({"id": rid, "exit": 137, "stdout": empty, "stderr": empty, "timedOut": False, "oomKills": oom_kills()})
        return
    stdin = base64.b64decode(request["stdin"]) if request.get("stdin") is not None else None
    cwd = request.get("cwd") or "/workspace"
    try:
        proc = popen(
            request["argv"],
            env=request.get("env") or {},
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=lambda: drop_privileges(cwd),
        )
    except (OSError, subprocess.SubprocessError) as error:
        empty = Capped(0).reply()
        why = f"cannot enter {cwd} as the command user" if isinstance(error, subprocess.SubprocessError) else error
        message = base64.b64encode(f"cannot start {request['argv'][0]}: {why}\n".encode()).decode()
        code = 127 if isinstance(error, FileNotFoundError) else 126
        send({"id": rid, "exit": code, "stdout": empty, "stderr": {**empty, "head": message, "total": len(message)}, "timedOut": False, "oomKills": oom_kills()})
        return
    current["proc"] = proc
    timed_out = threading.Event()
    timer = threading.Timer(request["timeoutMs"] / 1000, lambda: (timed_out.set(), locked_kill_all()))
    retrying(timer.start, RuntimeError)
    out, err = Capped(request["maxOutputBytes"]), Capped(request["maxOutputBytes"])
    pumps = [threading.Thread(target=out.pump, args=(proc.stdout,), daemon=True), threading.Thread(target=err.pump, args=(proc.stderr,), daemon=True)]
    for pump in pumps:
        retrying(pump.start, RuntimeError)
    if stdin is not None:
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except OSError:
            pass
    code = proc.wait()
    timer.cancel()
    timer.join()  # a timeout kill already under way finishes before the next command can start
    locked_kill_all()  # whatever the command left running in the background ends with it
    for pump in pumps:
        pump.join(1)
    current["proc"] = None
    send({"id": rid, "exit": code if code >= 0 else 128 - code, "stdout": out.reply(), "stderr": err.reply(), "timedOut": timed_out.is_set(), "oomKills": oom_kills()})


def worker():
    while True:
        request = requests.get()
        with kill_lock:
            current["id"] = request["id"]
        try:
            run(request)
        except Exception as error:  # a bad request is answered, never the end of the executor
            empty = Capped(0).reply()
            message = base64.b64encode(f"executor: {error}\n".encode()).decode()
            send({"id": request.get("id"), "exit": 126, "stdout": empty, "stderr": {**empty, "head": message, "total": len(message)}, "timedOut": False, "oomKills": oom_kills()})
        finally:
            with kill_lock:
                current["id"] = None


def main():
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    home = "/tmp/home"
    subprocess.run(["mkdir", "-p", home], preexec_fn=lambda: drop_privileges("/"), check=False)
    threading.Thread(target=worker, daemon=True).start()
    send({"ready": True, "oomKills": oom_kills()})
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if not isinstance(request, dict):
            continue
        if request.get("op") == "kill":
            with kill_lock:
                if request.get("id") is not None and request.get("id") == current["id"]:
                    kill_all_commands()
                else:
                    cancelled.add(request.get("id"))
        else:
            requests.put(request)


main()

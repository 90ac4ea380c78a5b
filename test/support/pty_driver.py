#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and answers its prompts: the wizard tests' stand-in for a person.

Reads one JSON document on stdin: {"argv": [...], "env": {...}, "steps": [{"expect": regex, "send": text}], "timeout": s}.
Prints one JSON document: {"code": exit status, "output": everything the terminal showed, "failedStep": index or null}.
"""
import fcntl, json, os, pty, re, select, struct, sys, termios, time

spec = json.load(sys.stdin)
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(spec["argv"][0], spec["argv"], spec["env"])

# A real terminal has a size; a 0x0 pty is not one.
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
output, pos, failed = "", 0, None
deadline = time.time() + spec.get("timeout", 60)


def read_some(wait):
    global output
    r, _, _ = select.select([fd], [], [], wait)
    if not r:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:
        return False
    if not data:
        return False
    output += data.decode("utf-8", "replace")
    return True


for i, step in enumerate(spec["steps"]):
    pattern = re.compile(step["expect"])
    while True:
        m = pattern.search(output, pos)
        if m:
            pos = m.end()
            time.sleep(0.15)  # let the prompt finish rendering before typing
            os.write(fd, step["send"].encode())
            break
        if time.time() > deadline or not read_some(0.2):
            failed = i
            break
    if failed is not None:
        break

while time.time() < deadline and read_some(0.2):
    pass
# The terminal can close a moment before the process exits: give it until the deadline.
done, status = os.waitpid(pid, os.WNOHANG)
while done == 0 and time.time() < deadline:
    time.sleep(0.05)
    done, status = os.waitpid(pid, os.WNOHANG)
if done == 0:  # still running at the deadline: a hang is a failure, never a wait forever
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    failed = len(spec["steps"]) if failed is None else failed
code = os.waitstatus_to_exitcode(status) if failed is None else -1
print(json.dumps({"code": code, "output": re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output), "failedStep": failed}))

#!/usr/bin/python3
"""Run a command with its standard error on a pseudo-terminal.

    python3 ptyrun.py OUT COMMAND [ARG...]

Standard output goes to the file OUT, standard input is /dev/null, and
standard error is a terminal (the pty module), as when a person runs the
tool.  What the command drew there is summed up on stdout, one line per
progress phase in the order they came: 'TOOL: PHASE' and what it showed
(a percentage, a rate); other lines are copied; 'line cleared' when the
last thing on the terminal is the progress line wiped out.  Exits with
the command's status.
"""
import os
import pty
import re
import subprocess
import sys

master, slave = pty.openpty()
with open(sys.argv[1], 'wb') as out:
    child = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
got = b''
while True:
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not data:
        break
    got += data
status = child.wait()
text = got.decode('utf-8', 'replace').replace('\r\n', '\n')
phases, order = {}, []
for line in text.split('\n'):
    for piece in line.split('\r'):
        m = re.match(r'(oed-[a-z]+): ([a-z ]+?)(?: \d+(?:/\d+)? [a-z]+(, \d+%)?(, [\d.]+/s)?(, ETA \w+)?)?\s*$',
                     piece)
        if piece.strip() == '':
            continue
        if m is None:
            print('other: ' + piece.rstrip())
            continue
        key = m.group(1) + ': ' + m.group(2)
        if key not in phases:
            phases[key] = set()
            order.append(key)
        if m.group(3):
            phases[key].add('percentage')
        if m.group(5):
            phases[key].add('ETA')
        if m.group(4):
            phases[key].add('rate')
for key in order:
    shown = sorted(phases[key])
    print(key + (' (' + ', '.join(shown) + ')' if shown else ''))
if re.search(r'\r +\r$', text):
    print('line cleared')
sys.exit(status)

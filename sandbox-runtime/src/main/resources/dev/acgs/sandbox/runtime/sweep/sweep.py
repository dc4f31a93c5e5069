# Syscall sweep: calls each number given on the command line with six zero arguments, each in a
# child of its own (some calls exit, block, or change the caller, e.g. seccomp(0) = strict mode).
# Prints one line per number: "NR ret ERRNO" (ERRNO 0 when it succeeded), "NR signal N" or
# "NR exit CODE" when the call ended the child itself.
import ctypes, os, signal, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
zero = ctypes.c_long(0)
for arg in sys.argv[1].split(","):
    nr = int(arg)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # a call that blocks (pause, ppoll...) ends here
        ctypes.set_errno(0)
        ret = libc.syscall(ctypes.c_long(nr), zero, zero, zero, zero, zero, zero)
        e = ctypes.get_errno() if ret == -1 else 0
        os.write(w, b"%d" % e)
        os._exit(0)
    os.close(w)
    got = os.read(r, 16)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if got:
        print(nr, "ret", int(got))
    elif os.WIFSIGNALED(status):
        print(nr, "signal", os.WTERMSIG(status))
    else:
        print(nr, "exit", os.WEXITSTATUS(status))
    sys.stdout.flush()

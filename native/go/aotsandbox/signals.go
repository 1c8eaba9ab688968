package aotsandbox

/*
#include <signal.h>
#include <stdint.h>
#include "aotsandbox.h"
#include <string.h>

// Counts installed, non-default handlers that lack SA_ONSTACK; with apply != 0 adds the flag to them. Go's own
// handlers always have it, so in practice this touches only what the .NET runtime installed.
static int aotsb_go_onstack(int apply) {
	int count = 0;
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0) continue;
		if (!(sa.sa_flags & SA_SIGINFO) && (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)) continue;
		if (sa.sa_flags & SA_ONSTACK) continue;
		count++;
		if (apply) {
			sa.sa_flags |= SA_ONSTACK;
			sigaction(sig, &sa, NULL);
		}
	}
	return count;
}
*/
import "C"

import "os"

// Go requires every signal handler installed by non-Go code to use SA_ONSTACK (os/signal, "Go programs that use
// cgo"): Go runs goroutines on small stacks and expects signal handlers on the per-thread alternate signal stack.
// The .NET runtime inside libaotsandbox installs SIGSEGV, SIGFPE and SIGRTMIN handlers without it, so a Go nil
// dereference (SIGSEGV, first seen by the .NET handler, which forwards it to Go's) would reach Go's handler on the
// goroutine stack and abort the program ("non-Go code set up signal handler without SA_ONSTACK flag"). The package
// therefore starts the .NET runtime at init and adds SA_ONSTACK to those handlers; it re-checks after calls that may
// install more (client and sandbox creation). AOTSANDBOX_GO_SIGNAL_FIX=0 turns this off (used to measure the need).

var signalFixEnabled = os.Getenv("AOTSANDBOX_GO_SIGNAL_FIX") != "0"

func init() {
	C.aotsb_abi_version() // starts the .NET runtime, which installs its handlers
	fixSignals()
}

func fixSignals() {
	if signalFixEnabled {
		C.aotsb_go_onstack(1)
	}
}

// HandlersWithoutOnStack reports how many installed non-Go signal handlers lack SA_ONSTACK (0 when the fix holds).
func HandlersWithoutOnStack() int { return int(C.aotsb_go_onstack(0)) }

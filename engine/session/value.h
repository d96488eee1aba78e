// How the console shows the value of a top-level expression, in gdb's style:
// "$1 = (void *) 0xffff888003c5e000", "$2 = 42", "$3 = 65 'A'", "$4 = 0x... \"text\"".
#pragma once

#include <string>

#include "kc/vm.h"
#include "session/state.h"

namespace klab {

std::string format_value(SessionState& st, kc::Thread& th, kc::Host& host, kc::TypeId type,
                         uint64_t v);

} // namespace klab

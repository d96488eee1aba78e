// errno values of include/uapi/asm-generic/errno-base.h / errno.h and the messages strerror()
// gives for them, as insmod prints them ("could not insert module x.ko: Cannot allocate memory").
#pragma once

#include <string>

namespace klab {

std::string strerror_text(int err);

} // namespace klab

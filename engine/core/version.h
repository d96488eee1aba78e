// Kernel Lab version and the Linux release whose behaviour the model follows.
#pragma once

namespace klab {

inline constexpr const char* kLabVersion = "0.1.0";
// The model follows Linux 6.1 semantics; /proc/version and oops banners print this release.
inline constexpr const char* kLinuxRelease = "6.1.0-klab";

} // namespace klab

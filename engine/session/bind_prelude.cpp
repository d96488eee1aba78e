// What a module gets from the kernel headers it #includes: the fixed-size integer typedefs
// (sized by the preset), log-level strings, pr_* macros, __init/__exit, container_of,
// ARRAY_SIZE, and the errno numbers. The #include lines themselves are ignored.
#include <cstdio>

#include "kc/compile.h"
#include "session/builtins.h"
#include "session/errno_names.h"

namespace klab {

namespace {

const char* kCommonPrelude = R"(
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32;
typedef unsigned long long u64; typedef signed char s8; typedef short s16; typedef int s32;
typedef long long s64;
typedef unsigned char __u8; typedef unsigned short __u16; typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef unsigned int gfp_t; typedef unsigned int slab_flags_t; typedef int pid_t;
typedef long long loff_t; typedef unsigned long uintptr_t; typedef long intptr_t;
typedef unsigned long pgoff_t; typedef int irqreturn_t;
#define NULL ((void *)0)
#define true 1
#define false 0
#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"
#define KERN_DEFAULT ""
#define KERN_CONT KERN_SOH "c"
#define pr_fmt(fmt) fmt
#define pr_emerg(fmt, ...) printk(KERN_EMERG pr_fmt(fmt), ##__VA_ARGS__)
#define pr_alert(fmt, ...) printk(KERN_ALERT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warning(fmt, ...) printk(KERN_WARNING pr_fmt(fmt), ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO pr_fmt(fmt), ##__VA_ARGS__)
#define pr_cont(fmt, ...) printk(KERN_CONT fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) ((void)0)
#define pr_devel(fmt, ...) ((void)0)
#define __init
#define __exit
#define __initdata
#define __exitdata
#define __user
#define __iomem
#define __force
#define __must_check
#define __maybe_unused
#define __always_inline inline
#define noinline
#define notrace
#define asmlinkage
#define likely(x) (x)
#define unlikely(x) (x)
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#define offsetof(TYPE, MEMBER) ((size_t)&((TYPE *)0)->MEMBER)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define min(x, y) ((x) < (y) ? (x) : (y))
#define max(x, y) ((x) > (y) ? (x) : (y))
#define IS_ERR_VALUE(x) ((unsigned long)(x) >= (unsigned long)-4095)
#define IS_ERR(ptr) IS_ERR_VALUE(ptr)
#define PTR_ERR(ptr) ((long)(ptr))
#define ERR_PTR(err) ((void *)(long)(err))
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
)";

// (errno, name, strerror text)
struct ErrnoName {
    int value;
    const char* name;
    const char* text;
};
const ErrnoName kErrnos[] = {
    {1, "EPERM", "Operation not permitted"},
    {2, "ENOENT", "No such file or directory"},
    {3, "ESRCH", "No such process"},
    {4, "EINTR", "Interrupted system call"},
    {5, "EIO", "Input/output error"},
    {6, "ENXIO", "No such device or address"},
    {7, "E2BIG", "Argument list too long"},
    {9, "EBADF", "Bad file descriptor"},
    {11, "EAGAIN", "Resource temporarily unavailable"},
    {12, "ENOMEM", "Cannot allocate memory"},
    {13, "EACCES", "Permission denied"},
    {14, "EFAULT", "Bad address"},
    {16, "EBUSY", "Device or resource busy"},
    {17, "EEXIST", "File exists"},
    {19, "ENODEV", "No such device"},
    {22, "EINVAL", "Invalid argument"},
    {24, "EMFILE", "Too many open files"},
    {25, "ENOTTY", "Inappropriate ioctl for device"},
    {28, "ENOSPC", "No space left on device"},
    {32, "EPIPE", "Broken pipe"},
    {34, "ERANGE", "Numerical result out of range"},
    {38, "ENOSYS", "Function not implemented"},
    {110, "ETIMEDOUT", "Connection timed out"},
    {512, "ERESTARTSYS", "Unknown error 512"},
};

} // namespace

std::string strerror_text(int err) {
    for (const auto& e : kErrnos)
        if (e.value == err) return e.text;
    return "Unknown error " + std::to_string(err);
}

Result<void> bind_prelude(kc::Program& prog) {
    bool is64 = prog.target().is64();
    std::string text =
        is64 ? "typedef unsigned long size_t; typedef long ssize_t; typedef long ptrdiff_t;\n"
               "typedef unsigned long long phys_addr_t; typedef unsigned long long dma_addr_t;\n"
             : "typedef unsigned int size_t; typedef int ssize_t; typedef int ptrdiff_t;\n"
               "typedef unsigned int phys_addr_t; typedef unsigned int dma_addr_t;\n";
    text += kCommonPrelude;
    auto u = kc::compile(prog, kc::Source{"<kernel headers>", text});
    KLAB_TRY(u);
    return {};
}

Result<void> bind_errno(kc::Program& prog) {
    for (const auto& e : kErrnos)
        KLAB_TRY(bind_constant(prog, e.name, "int", static_cast<uint64_t>(e.value)));
    return {};
}

} // namespace klab

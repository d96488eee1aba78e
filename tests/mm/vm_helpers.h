// Checks for the virtual-memory tests (vmalloc, highmem, percpu, kernel stacks).
#pragma once

#include "helpers.h"
#include "mm/highmem.h"
#include "mm/kstack.h"
#include "mm/percpu.h"
#include "mm/vmalloc.h"

namespace klab::test {

inline std::string check_vm(const Kernel& k) {
    for (std::string s : {check_page_alloc(k), check_vmalloc(k), check_highmem(k), check_percpu(k),
                          check_kstack(k)})
        if (!s.empty()) return s;
    return "";
}

} // namespace klab::test

#define CHECK_VM(k) CHECK_MESSAGE(::klab::test::check_vm(k).empty(), ::klab::test::check_vm(k))

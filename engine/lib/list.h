// The model's list_head (include/linux/list.h): a doubly linked intrusive list whose links are
// handles (indices into the array that owns the elements), not pointers, so that the Kernel
// value stays a plain copyable value and a snapshot is a memberwise copy.
//
// An element type embeds two handle fields (its next and prev), as a struct embeds its
// list_head; the anchor (ListHead) keeps the first and last handles and a count. One list
// type names the element, the handle type, the "no element" value and the two link fields:
//
//     using page_lru = IndexList<page, pfn_t, NO_PFN, &page::lru_next, &page::lru_prev>;
//     page_lru::add_tail(k.mm.mem_map, zone.free_area[o].free_list[mt], pfn);
//     for (pfn_t p : page_lru::each(k.mm.mem_map, list)) ...
//
// The store is whatever indexes elements by handle (std::vector<page>, std::vector<Slab>).
// An element is on at most one list per link pair; del() leaves its links Nil (as
// list_del_init() would), so a checker can tell "on no list" from "linked".
// Simplification: Linux's list is circular with the head as a sentinel; here the ends are
// Nil, which is what the views and checkers want to walk.
#pragma once

#include <cstdint>

namespace klab {

// The anchor: LIST_HEAD(name). count is what Linux keeps beside some lists (nr_partial,
// pcp->count in pages is kept separately by its owner).
template <class H, H Nil>
struct ListHead {
    H head = Nil;
    H tail = Nil;
    uint32_t count = 0;
    bool empty() const { return head == Nil; }
};

template <class Elem, class H, H Nil, H Elem::*Next, H Elem::*Prev>
struct IndexList {
    using Head = ListHead<H, Nil>;

    // list_add(): at the front.
    template <class Store>
    static void add(Store& s, Head& l, H h) {
        Elem& e = s[h];
        e.*Prev = Nil;
        e.*Next = l.head;
        if (l.head != Nil)
            s[l.head].*Prev = h;
        else
            l.tail = h;
        l.head = h;
        ++l.count;
    }

    // list_add_tail(): at the back.
    template <class Store>
    static void add_tail(Store& s, Head& l, H h) {
        Elem& e = s[h];
        e.*Next = Nil;
        e.*Prev = l.tail;
        if (l.tail != Nil)
            s[l.tail].*Next = h;
        else
            l.head = h;
        l.tail = h;
        ++l.count;
    }

    // list_del_init(): h must be on l.
    template <class Store>
    static void del(Store& s, Head& l, H h) {
        Elem& e = s[h];
        if (e.*Prev != Nil)
            s[e.*Prev].*Next = e.*Next;
        else
            l.head = e.*Next;
        if (e.*Next != Nil)
            s[e.*Next].*Prev = e.*Prev;
        else
            l.tail = e.*Prev;
        e.*Next = e.*Prev = Nil;
        --l.count;
    }

    // list_move_tail(): from one list to the back of another.
    template <class Store>
    static void move_tail(Store& s, Head& from, Head& to, H h) {
        del(s, from, h);
        add_tail(s, to, h);
    }

    template <class Store>
    static H next(const Store& s, H h) {
        return s[h].*Next;
    }
    template <class Store>
    static H prev(const Store& s, H h) {
        return s[h].*Prev;
    }

    // list_for_each() / list_for_each_safe(): `for (H h : each(s, l))`. The iterator reads
    // the next handle before the body runs, so the body may del() the current element (but
    // not the next one).
    template <class Store>
    struct Range {
        const Store* s;
        H first;
        struct It {
            const Store* s;
            H cur, nxt;
            H operator*() const { return cur; }
            It& operator++() {
                cur = nxt;
                nxt = cur != Nil ? (*s)[cur].*Next : Nil;
                return *this;
            }
            bool operator!=(const It& o) const { return cur != o.cur; }
        };
        It begin() const { return {s, first, first != Nil ? (*s)[first].*Next : Nil}; }
        It end() const { return {s, Nil, Nil}; }
    };
    template <class Store>
    static Range<Store> each(const Store& s, const Head& l) {
        return {&s, l.head};
    }
};

} // namespace klab

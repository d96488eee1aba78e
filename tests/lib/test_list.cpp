// The handle-based intrusive list (engine/lib/list.h), against std::list as the reference.
#include <doctest/doctest.h>

#include <cstdint>
#include <list>
#include <random>
#include <vector>

#include "lib/list.h"

namespace {

constexpr uint16_t kNil = 0xffff;
struct Node {
    uint16_t next = kNil, prev = kNil;
    int payload = 0;
};
using Head = klab::ListHead<uint16_t, kNil>;
using nodes = klab::IndexList<Node, uint16_t, kNil, &Node::next, &Node::prev>;

std::vector<uint16_t> walk(const std::vector<Node>& s, const Head& l) {
    std::vector<uint16_t> out;
    for (uint16_t h : nodes::each(s, l)) out.push_back(h);
    return out;
}
std::vector<uint16_t> walk_back(const std::vector<Node>& s, const Head& l) {
    std::vector<uint16_t> out;
    for (uint16_t h = l.tail; h != kNil; h = nodes::prev(s, h)) out.insert(out.begin(), h);
    return out;
}

} // namespace

TEST_CASE("list: add puts at the front, add_tail at the back, del unlinks and clears links") {
    std::vector<Node> s(8);
    Head l;
    CHECK(l.empty());
    nodes::add_tail(s, l, 1);
    nodes::add_tail(s, l, 2);
    nodes::add(s, l, 3);
    CHECK(walk(s, l) == std::vector<uint16_t>{3, 1, 2});
    CHECK(walk_back(s, l) == walk(s, l));
    CHECK(l.count == 3);
    nodes::del(s, l, 1); // the middle
    CHECK(walk(s, l) == std::vector<uint16_t>{3, 2});
    CHECK(s[1].next == kNil);
    CHECK(s[1].prev == kNil);
    nodes::del(s, l, 3); // the head
    nodes::del(s, l, 2); // the last one
    CHECK(l.empty());
    CHECK(l.tail == kNil);
    CHECK(l.count == 0);
}

TEST_CASE("list: each() lets the body delete the current element (list_for_each_safe)") {
    std::vector<Node> s(10);
    Head l;
    for (uint16_t h = 0; h < 10; ++h) nodes::add_tail(s, l, h);
    for (uint16_t h : nodes::each(s, l))
        if (h % 2 == 0) nodes::del(s, l, h);
    CHECK(walk(s, l) == std::vector<uint16_t>{1, 3, 5, 7, 9});
    CHECK(l.count == 5);
}

TEST_CASE("list: move_tail carries an element between lists") {
    std::vector<Node> s(4);
    Head a, b;
    nodes::add_tail(s, a, 0);
    nodes::add_tail(s, a, 1);
    nodes::add_tail(s, b, 2);
    nodes::move_tail(s, a, b, 0);
    CHECK(walk(s, a) == std::vector<uint16_t>{1});
    CHECK(walk(s, b) == std::vector<uint16_t>{2, 0});
    CHECK(a.count == 1);
    CHECK(b.count == 2);
}

TEST_CASE("list: a copy of the store and the head is an independent list (snapshot by value)") {
    std::vector<Node> s(4);
    Head l;
    for (uint16_t h = 0; h < 4; ++h) nodes::add_tail(s, l, h);
    std::vector<Node> s2 = s;
    Head l2 = l;
    nodes::del(s2, l2, 0);
    nodes::add(s2, l2, 0);
    nodes::del(s2, l2, 2);
    CHECK(walk(s, l) == std::vector<uint16_t>{0, 1, 2, 3});
    CHECK(walk(s2, l2) == std::vector<uint16_t>{0, 1, 3});
}

TEST_CASE("list: random operations agree with std::list") {
    std::mt19937 rng(14);
    constexpr uint16_t N = 64;
    std::vector<Node> s(N);
    Head lists[3];
    std::list<uint16_t> ref[3];
    std::vector<int> on(N, -1); // which list each element is on
    for (int step = 0; step < 20000; ++step) {
        uint16_t h = static_cast<uint16_t>(rng() % N);
        int which = static_cast<int>(rng() % 3);
        if (on[h] < 0) {
            if (rng() & 1) {
                nodes::add(s, lists[which], h);
                ref[which].push_front(h);
            } else {
                nodes::add_tail(s, lists[which], h);
                ref[which].push_back(h);
            }
            on[h] = which;
        } else if (rng() & 1) {
            nodes::del(s, lists[on[h]], h);
            ref[on[h]].remove(h);
            on[h] = -1;
        } else {
            nodes::move_tail(s, lists[on[h]], lists[which], h);
            ref[on[h]].remove(h);
            ref[which].push_back(h);
            on[h] = which;
        }
        if (step % 97 == 0) {
            for (int i = 0; i < 3; ++i) {
                std::vector<uint16_t> want(ref[i].begin(), ref[i].end());
                REQUIRE(walk(s, lists[i]) == want);
                REQUIRE(walk_back(s, lists[i]) == want);
                REQUIRE(lists[i].count == want.size());
            }
        }
    }
}

// Draws the front end headlessly (an ImGui context with no platform or renderer backend) so
// view code runs natively and under the sanitizers: every view for a few frames against
// scripted kernel states, typing into the console through ImGui's keyboard input, clicking
// widgets, and checking the memory map's dirty-row texture updates.
#include <doctest/doctest.h>
#include <imgui.h>

#include <map>

#include "app.h"
#include "mm/page_alloc.h"
#include "platform/wheel.h"
#include "slab/slab_query.h"
#include "theme.h"
#include "trace/events/kmem.h"
#include "views/views.h"

namespace {

// Textures that only remember their texels, so the tests can read the picture back.
struct FakeTextures : klab::ui::TextureApi {
    struct Tex {
        int w = 0, h = 0;
        std::vector<uint32_t> px;
    };
    std::map<uintptr_t, Tex> tex;
    uintptr_t next = 1;
    uint64_t uploads = 0, texels = 0;
    void* create(int w, int h) override {
        tex[next] = Tex{w, h, std::vector<uint32_t>(static_cast<size_t>(w) * h)};
        return reinterpret_cast<void*>(next++);
    }
    void update(void* t, int y, int w, int rows, const uint32_t* rgba) override {
        Tex& x = tex.at(reinterpret_cast<uintptr_t>(t));
        REQUIRE(w == x.w);
        REQUIRE(y + rows <= x.h);
        std::copy(rgba, rgba + static_cast<size_t>(w) * rows, x.px.begin() + static_cast<size_t>(y) * w);
        ++uploads;
        texels += static_cast<uint64_t>(w) * rows;
    }
    void destroy(void* t) override { tex.erase(reinterpret_cast<uintptr_t>(t)); }
};

// An ImGui context sized like a laptop screen, with its font atlas built, as a backend would.
struct HeadlessImGui {
    explicit HeadlessImGui(float w = 1280, float h = 720) {
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.DisplaySize = ImVec2(w, h);
        io.DeltaTime = 1.0f / 60.0f;
        for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k; // key index = ImGuiKey
        klab::ui::apply_theme(1.0f);
        fonts = klab::ui::load_fonts("/usr/share/fonts/truetype/dejavu", 1.0f);
        unsigned char* pixels = nullptr;
        int tw = 0, th = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &tw, &th);
    }
    ~HeadlessImGui() { ImGui::DestroyContext(); }
    klab::ui::UiFonts fonts;

    void frame(klab::ui::App& app) {
        app.set_fonts(fonts, 1.0f);
        ImGui::NewFrame();
        app.frame();
        ImGui::Render();
    }
    void click(klab::ui::App& app, const klab::ui::Rect& r) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = ImVec2(r.x + r.w / 2, r.y + r.h / 2);
        frame(app);
        io.MouseDown[0] = true;
        frame(app);
        io.MouseDown[0] = false;
        frame(app);
    }
    void key(klab::ui::App& app, ImGuiKey k, bool ctrl = false) {
        ImGuiIO& io = ImGui::GetIO();
        io.KeyCtrl = ctrl;
        io.KeysDown[k] = true;
        frame(app);
        io.KeysDown[k] = false;
        io.KeyCtrl = false;
        frame(app);
    }
    // Types once the console's input line has the keyboard (as a student would see the caret).
    void type(klab::ui::App& app, const char* text) {
        for (int i = 0; i < 10 && !app.console().input_active; ++i) frame(app);
        REQUIRE(app.console().input_active);
        ImGui::GetIO().AddInputCharactersUTF8(text);
        frame(app);
    }
};

std::string input_of(const klab::ui::App& app) {
    return app.console().input.data();
}

bool transcript_has(const klab::ui::App& app, klab::ui::LineKind kind, const std::string& needle) {
    for (const auto& l : app.console().lines)
        if (l.kind == kind && l.text.find(needle) != std::string::npos) return true;
    return false;
}

} // namespace

TEST_CASE("the first screen tiles every view at 1280x720 and draws the machine") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app;
    app.set_textures(&tex);
    for (int i = 0; i < 3; ++i) gui.frame(app);
    CHECK(app.frame_count() == 3);
    CHECK_FALSE(app.tabs());
    CHECK(ImGui::GetDrawData()->TotalVtxCount > 1000);
    for (const char* id : {"machine/boot_i386", "console/input", "pagemap/cells", "log/filter",
                           "zones/bar_Normal", "cpu/0", "cpu/1"})
        CHECK_MESSAGE(app.widgets().find(id).has_value(), id);
    CHECK(app.lab().title().find("x86_64") != std::string::npos);
    // The map was uploaded once, completely: 6 GiB of frames in 1 GiB textures.
    CHECK(tex.tex.size() == 2 * 6);
    CHECK(app.page_map().full_rebuilds() == 1);
}

TEST_CASE("typing a statement into the console runs it and the map changes only where it should") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app;
    app.set_textures(&tex);
    gui.frame(app);
    gui.frame(app);
    uint64_t texels = tex.texels;
    gui.type(app, "p = alloc_pages(GFP_KERNEL, 3);");
    gui.key(app, ImGuiKey_Enter);
    REQUIRE(app.session().log().size() == 1);
    CHECK(app.session().log()[0].text == "p = alloc_pages(GFP_KERNEL, 3);");
    CHECK(input_of(app).empty());
    gui.frame(app);
    // The order-3 block is drawn as allocated, and only a few rows went up again.
    const klab::Kernel& k = app.session().kernel();
    klab::pfn_t head = klab::NO_PFN;
    for (klab::pfn_t p = 0; p < k.mm.max_pfn; ++p)
        if (k.mm.mem_map[p].owner == klab::PageOwner::alloc) head = p;
    REQUIRE(head != klab::NO_PFN);
    CHECK(app.page_map().colour_at(head) == klab::ui::cell_class_colour(klab::ui::CellClass::alloc));
    uint64_t row_texels = klab::ui::PageMap::kRowPages + klab::ui::PageMap::kRowPages / 16;
    CHECK(tex.texels - texels <= 4 * row_texels);
    CHECK(tex.texels > texels);
    CHECK(app.page_map().full_rebuilds() == 1);
    // The zones view brings the zone whose free lists changed into view (the DMA zone is first).
    CHECK(app.view_state<klab::ui::ZonesState>("zones").last_scrolled_zone == static_cast<int>(&k.mm.zone_of(head) - &k.mm.zones[0]));
    CHECK(app.view_state<klab::ui::ZonesState>("zones").last_scrolled_zone > 0);
    // The block is marked as the last change for a moment, whatever the zoom.
    bool marked = false;
    for (const auto& [first, count] : app.page_map().recent()) marked = marked || (first == head && count == 8);
    CHECK(marked);
    CHECK(app.widgets().find("pagemap/recent").has_value());
    // The texture holds what the map computed.
    uint64_t chunk_rows = klab::ui::PageMap::kChunkRows, row = head / 1024;
    auto& t = tex.tex.begin()->second; // the first chunk's full-resolution texture
    if (row < chunk_rows) CHECK(t.px[head] == app.page_map().colour_at(head));
    // The trace view grouped the command's events and explained them.
    REQUIRE(!app.view_state<klab::ui::TraceViewState>("trace").groups.empty());
    CHECK(app.view_state<klab::ui::TraceViewState>("trace").groups[0].cmd_id == 1);
    const klab::TraceEvent& last = app.view_state<klab::ui::TraceViewState>("trace").groups[0].events.back();
    CHECK(klab::trace_event_def(last.type).explain(last).find("pfn") != std::string::npos);
}

TEST_CASE("console: a welcome hint while empty, and a double free's BUG and Killed in the error colour") {
    HeadlessImGui gui;
    klab::ui::App app;
    gui.frame(app);
    gui.frame(app);
    CHECK(app.widgets().find("console/welcome").has_value());
    gui.type(app, "p = kmalloc(100, GFP_KERNEL);");
    gui.key(app, ImGuiKey_Enter);
    gui.frame(app);
    CHECK_FALSE(app.widgets().find("console/welcome").has_value());
    CHECK_FALSE(app.session().log().back().error);
    gui.type(app, "kfree(p); kfree(p);");
    gui.key(app, ImGuiKey_Enter);
    gui.frame(app);
    CHECK(app.session().log().back().error); // the statement was killed: the command failed
    CHECK(transcript_has(app, klab::ui::LineKind::error, "kernel BUG at mm/slub.c"));
    CHECK(transcript_has(app, klab::ui::LineKind::error, "Killed"));
    CHECK_FALSE(transcript_has(app, klab::ui::LineKind::error, "$1"));
    // The trace marks the command's events as those of a failed command.
    gui.frame(app);
    CHECK(app.widgets().find("trace/newest/failed").has_value());
    gui.type(app, "q = kmalloc(64, GFP_KERNEL);");
    gui.key(app, ImGuiKey_Enter);
    gui.frame(app);
    gui.frame(app);
    CHECK(app.widgets().find("trace/newest").has_value());
    CHECK_FALSE(app.widgets().find("trace/newest/failed").has_value());
}

TEST_CASE("console: syntax errors show a caret, Tab completes, Up recalls, Enter in a block adds a line") {
    HeadlessImGui gui;
    klab::ui::App app;
    gui.frame(app);
    gui.frame(app);
    gui.type(app, "int x = ;");
    gui.key(app, ImGuiKey_Enter);
    gui.frame(app);
    CHECK(app.session().log().back().error);
    CHECK(transcript_has(app, klab::ui::LineKind::error, "error:"));
    CHECK(transcript_has(app, klab::ui::LineKind::caret, "^"));

    gui.type(app, "__get_free_p");
    gui.key(app, ImGuiKey_Tab);
    CHECK(input_of(app) == "__get_free_page");
    gui.key(app, ImGuiKey_Tab);
    CHECK(app.console().candidates.size() >= 2);

    // Up on the first line brings back the previous command, Down the draft.
    gui.key(app, ImGuiKey_UpArrow);
    CHECK(input_of(app) == "int x = ;");
    gui.key(app, ImGuiKey_DownArrow);
    CHECK(input_of(app) == "__get_free_page");

    // Clear the line, then type an unfinished function: Enter adds a line instead of running.
    for (int i = 0; i < 20; ++i) gui.key(app, ImGuiKey_Backspace);
    REQUIRE(input_of(app).empty());
    size_t before = app.session().log().size();
    gui.type(app, "int twice(int a) {");
    gui.key(app, ImGuiKey_Enter);
    gui.frame(app);
    CHECK(app.session().log().size() == before);
    CHECK(input_of(app) == "int twice(int a) {\n");
    gui.type(app, "return 2 * a; }");
    gui.key(app, ImGuiKey_Enter);
    REQUIRE(app.session().log().size() == before + 1);
    CHECK_FALSE(app.session().log().back().error);
    gui.type(app, "twice(21);");
    gui.key(app, ImGuiKey_Enter);
    gui.frame(app);
    CHECK(app.session().log().back().output.find("42") != std::string::npos);
}

TEST_CASE("an oops lands in the kernel log view and the lab keeps working") {
    HeadlessImGui gui;
    klab::ui::App app;
    gui.frame(app);
    app.submit("int *q = NULL;\n*q = 1;");
    for (int i = 0; i < 3; ++i) gui.frame(app);
    CHECK(app.session().dmesg().find("BUG: kernel NULL pointer dereference") != std::string::npos);
    CHECK(app.lab().title().find("command") != std::string::npos);
    app.submit("x = 1 + 2;");
    gui.frame(app);
    CHECK(app.session().log().back().output.find("3") != std::string::npos);
}

TEST_CASE("clicking Boot i386 asks first, then reboots the model as the textbook machine") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app;
    app.set_textures(&tex);
    gui.frame(app);
    gui.frame(app);
    auto rect = app.widgets().find("machine/boot_i386");
    REQUIRE(rect.has_value());
    uint64_t boots = app.lab().boot_count();
    gui.click(app, *rect);
    gui.frame(app);
    gui.frame(app); // the dialog sizes itself in its first frame
    // Nothing happened yet: the same confirmation as the Machine menu is open.
    CHECK(app.lab().boot_count() == boots);
    CHECK(app.lab().machine().arch == klab::Arch::x86_64);
    auto confirm = app.widgets().find("confirm/reboot");
    REQUIRE(confirm.has_value());
    gui.click(app, *confirm);
    CHECK(app.lab().machine().arch == klab::Arch::i386);
    CHECK(app.lab().machine().hz() == 100);
    CHECK(app.lab().boot_count() == boots + 1);
    gui.frame(app); // the map follows the new kernel on the next frame
    CHECK(app.page_map().nr_pages() == app.session().kernel().mm.max_pfn);
    CHECK(tex.tex.size() == 2); // 1 GiB: one chunk and its overview, the old ones destroyed
    gui.frame(app);
    rect = app.widgets().find("machine/boot_i386");
    REQUIRE(rect.has_value());
    gui.click(app, *rect); // disabled now
    gui.frame(app);
    CHECK_FALSE(app.widgets().find("confirm/reboot").has_value());
    CHECK(app.lab().boot_count() == boots + 1);
}

TEST_CASE("the trace view explains a kmalloc's chain of events") {
    HeadlessImGui gui;
    klab::ui::App app;
    gui.frame(app);
    app.submit("p = kmalloc(100, GFP_KERNEL);");
    for (int i = 0; i < 3; ++i) gui.frame(app);
    REQUIRE(!app.view_state<klab::ui::TraceViewState>("trace").groups.empty());
    bool kmalloc_seen = false;
    for (const klab::TraceEvent& e : app.view_state<klab::ui::TraceViewState>("trace").groups[0].events)
        if (e.is<klab::tp::kmalloc>()) {
            kmalloc_seen = true;
            CHECK(klab::trace_event_def(e.type).explain(e).find("kmalloc of 100 bytes") != std::string::npos);
        }
    CHECK(kmalloc_seen);
}

TEST_CASE("in an 800x600 iframe the views become tabs") {
    HeadlessImGui gui(800, 600);
    klab::ui::App app;
    for (int i = 0; i < 3; ++i) gui.frame(app);
    CHECK(app.tabs());
    auto tab = app.widgets().find("tab/Physical memory");
    REQUIRE(tab.has_value());
    gui.click(app, *tab);
    gui.frame(app);
    CHECK(app.widgets().find("pagemap/cells").has_value());
    CHECK_FALSE(app.widgets().find("console/input").has_value());
}

TEST_CASE("a 4 GiB machine: 100k page operations recolour only the rows they touched") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::MachineConfig m = klab::MachineConfig::preset(klab::Arch::x86_64);
    m.mem_bytes = 4ull << 30;
    klab::ui::App app(m);
    app.set_textures(&tex);
    gui.frame(app);
    CHECK(app.page_map().nr_pages() == 1048576);
    uint64_t rows = app.page_map().rows_recoloured();
    app.submit("unsigned long a[64]; int i; int j;\n"
               "for (j = 0; j < 10; j++) { for (i = 0; i < 64; i++) a[i] = __get_free_page(GFP_KERNEL);"
               " for (i = 0; i < 64; i++) free_page(a[i]); }");
    gui.frame(app);
    CHECK_FALSE(app.session().log().back().error);
    CHECK(app.page_map().rows_recoloured() - rows < 64);
    CHECK(app.page_map().full_rebuilds() == 1);
    // The picture matches the kernel: a sample of frames against page_owner_at.
    const klab::Kernel& k = app.session().kernel();
    for (klab::pfn_t p = 0; p < k.mm.max_pfn; p += 997) {
        klab::ui::CellClass c = klab::ui::cell_class_of(klab::page_owner_at(k, p));
        CHECK_MESSAGE(app.page_map().class_at(p) == c, "pfn ", p);
    }
    // The legend's counts, frame by frame: rows one order-10 block fills whole (most of a
    // booted machine, coloured with a few fills) and rows walked block by block alike.
    std::array<uint64_t, static_cast<size_t>(klab::ui::CellClass::count)> want{};
    for (klab::pfn_t p = 0; p < k.mm.max_pfn; ++p)
        ++want[static_cast<size_t>(klab::ui::cell_class_of(klab::page_owner_at(k, p)))];
    CHECK(app.page_map().class_counts() == want);
    klab::pfn_t block = k.mm.max_pfn / 2; // 2 GiB: a free order-10 block since boot
    REQUIRE(k.mm.mem_map[block].owner == klab::PageOwner::buddy);
    REQUIRE(k.mm.mem_map[block].order == 10);
    for (klab::pfn_t p = block; p < block + 1024; p += 31)
        CHECK(app.page_map().colour_at(p) == klab::ui::cell_class_colour(klab::ui::CellClass::free, 10));
}

namespace {
// Opens a view's tab (800x600) or does nothing (tiled); a few frames so it is drawn.
void settle(HeadlessImGui& gui, klab::ui::App& app, int frames = 3) {
    for (int i = 0; i < frames; ++i) gui.frame(app);
}
} // namespace

TEST_CASE("slab view: a new cache appears, its slab is drawn as objects, a click highlights its page") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app;
    app.set_textures(&tex);
    app.menu().mode = klab::ui::LayoutMode::tabs; // the whole screen for the slab view
    settle(gui, app);
    auto tab = app.widgets().find("tab/Slab caches");
    REQUIRE(tab.has_value());
    gui.click(app, *tab);
    settle(gui, app);
    REQUIRE(app.widgets().find("slab/table").has_value());
    size_t caches = app.view_state<klab::ui::SlabViewState>("slab").caches.size();
    CHECK(caches > 20); // the boot caches: kmalloc-*, kmem_cache, ...
    app.submit("c = kmem_cache_create(\"klab_test\", 200, 0, SLAB_POISON | SLAB_RED_ZONE, NULL);");
    settle(gui, app);
    REQUIRE(app.view_state<klab::ui::SlabViewState>("slab").caches.size() == caches + 1);
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").caches.front().name == "klab_test"); // slabinfo order: newest first
    // Find it with the filter box, then click its row.
    auto filter = app.widgets().find("slab/filter");
    REQUIRE(filter.has_value());
    gui.click(app, *filter);
    ImGui::GetIO().AddInputCharactersUTF8("klab_t");
    settle(gui, app);
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").order.size() == 1);
    auto row = app.widgets().find("slab/row/klab_test");
    REQUIRE(row.has_value());
    gui.click(app, *row);
    settle(gui, app);
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").selected == "klab_test");
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").slabs.empty()); // no objects yet, no slabs
    app.submit("p = kmem_cache_alloc(c, GFP_KERNEL); q = kmem_cache_alloc(c, GFP_KERNEL);");
    settle(gui, app);
    REQUIRE(app.view_state<klab::ui::SlabViewState>("slab").slabs.size() == 1);
    const auto& sl = app.view_state<klab::ui::SlabViewState>("slab").slabs[0];
    // A debug cache takes SLUB's slow path: no CPU slab, the slab stays on the node's partial list.
    CHECK(sl.view.list == klab::SlabList::node_partial);
    CHECK(sl.view.inuse == 2);
    size_t used = 0;
    for (const auto& o : sl.objects) used += o.state == klab::SlabObjectState::allocated;
    CHECK(used == 2);
    CHECK(sl.freelists.cpu.empty());
    CHECK(sl.freelists.slab.size() == sl.objects.size() - 2);
    for (uint8_t d : sl.damaged) CHECK(d == 0);
    // One byte past the object: the right red zone is damaged, and the view says so.
    app.submit("memset(p, 0x41, 201);");
    settle(gui, app);
    REQUIRE(app.view_state<klab::ui::SlabViewState>("slab").slabs.size() == 1);
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").slabs[0].damaged[0] == 1);
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").slabs[0].damaged[1] == 0);
    // Clicking the slab points its page out in the memory map.
    auto slab = app.widgets().find("slab/slab_0");
    REQUIRE(slab.has_value());
    gui.click(app, *slab);
    settle(gui, app);
    REQUIRE(app.page_map().highlight().ranges.size() == 1);
    CHECK(app.page_map().highlight().ranges[0].first == app.view_state<klab::ui::SlabViewState>("slab").slabs[0].view.pfn);
    CHECK(app.page_map().highlight().label.find("klab_test") != std::string::npos);
    auto map_tab = app.widgets().find("tab/Physical memory");
    REQUIRE(map_tab.has_value());
    gui.click(app, *map_tab);
    settle(gui, app);
    CHECK(app.widgets().find("pagemap/clear_highlight").has_value());
    CHECK_FALSE(app.page_map().highlight().scroll); // scrolled to once
    // A reboot forgets the highlight and the selection's slabs.
    app.lab().boot(klab::MachineConfig::preset(klab::Arch::i386));
    settle(gui, app);
    tab = app.widgets().find("tab/Slab caches");
    REQUIRE(tab.has_value());
    gui.click(app, *tab);
    settle(gui, app);
    CHECK(app.page_map().highlight().ranges.empty());
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").slabs.empty());
}

TEST_CASE("slab view: sorting by a column and a kmalloc cache's slabs on several lists") {
    HeadlessImGui gui;
    klab::ui::App app;
    settle(gui, app);
    REQUIRE(app.widgets().find("slab/table").has_value()); // tiled at 1280x720
    app.submit("void *a[200]; int i; for (i = 0; i < 200; i++) a[i] = kmalloc(1000, GFP_KERNEL);"
               " for (i = 0; i < 200; i += 2) kfree(a[i]);");
    settle(gui, app);
    const auto& v = app.view_state<klab::ui::SlabViewState>("slab");
    REQUIRE(!v.order.empty());
    // Default sort: objects, largest first.
    for (size_t i = 1; i < v.order.size(); ++i)
        CHECK(v.caches[v.order[i - 1]].num_objs >= v.caches[v.order[i]].num_objs);
    auto row = app.widgets().find("slab/row/kmalloc-1k");
    REQUIRE(row.has_value());
    gui.click(app, *row);
    settle(gui, app);
    REQUIRE(app.view_state<klab::ui::SlabViewState>("slab").slabs.size() > 3);
    bool partial = false;
    for (const auto& sl : app.view_state<klab::ui::SlabViewState>("slab").slabs)
        partial = partial || sl.view.list == klab::SlabList::cpu_partial || sl.view.list == klab::SlabList::node_partial;
    CHECK(partial);
    CHECK(ImGui::GetDrawData()->TotalVtxCount > 1000);
    // SLUB: none of the SLAB or SLOB parts.
    CHECK_FALSE(app.widgets().find("slab/classic/tunables").has_value());
    CHECK_FALSE(app.widgets().find("slab/limit/kmalloc-1k").has_value());
    CHECK_FALSE(app.widgets().find("slab/slob/why").has_value());
}

TEST_CASE("vm view: a vmalloc area with its scattered pages, pkmap slots on i386, per-CPU values") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app(klab::MachineConfig::preset(klab::Arch::i386));
    app.set_textures(&tex);
    settle(gui, app);
    app.submit("v = vmalloc(5 * PAGE_SIZE);");
    settle(gui, app);
    bool found = false;
    for (const auto& a : app.view_state<klab::ui::VmViewState>("vm").areas)
        if (a.pages.size() == 5 && !a.kernel_stack) found = true;
    CHECK(found);
    CHECK(app.widgets().find("vm/mapping").has_value());
    app.submit("pg = alloc_pages(GFP_HIGHUSER, 0); m = kmap(pg); l = kmap_local_page(pg);");
    settle(gui, app);
    CHECK(app.view_state<klab::ui::VmViewState>("vm").pkmap.size() == 1);
    CHECK(app.view_state<klab::ui::VmViewState>("vm").kmap_local.size() == 1);
    auto kmap_tab = app.widgets().find("vm/tab_kmap");
    REQUIRE(kmap_tab.has_value());
    gui.click(app, *kmap_tab);
    settle(gui, app);
    app.submit("kunmap_local(l);");
    auto pcpu_tab = app.widgets().find("vm/tab_percpu");
    REQUIRE(pcpu_tab.has_value());
    gui.click(app, *pcpu_tab);
    app.submit("DEFINE_PER_CPU(int, hits);\nthis_cpu_write(hits, 7);\npc = alloc_percpu(long);");
    CHECK_FALSE(app.session().log().back().error);
    app.submit("taskset -cp 1 $$");
    app.submit("this_cpu_write(hits, -3); *this_cpu_ptr(pc) = 70000;");
    CHECK_FALSE(app.session().log().back().error);
    settle(gui, app);
    CHECK(app.view_state<klab::ui::VmViewState>("vm").percpu.dyn_allocs.size() >= 1);
    // The table: each variable's value on CPU0 and CPU1.
    const auto& rows = app.view_state<klab::ui::VmViewState>("vm").percpu_rows;
    bool hits = false, pc = false;
    for (const auto& r : rows) {
        if (r[0] == "hits" && r.size() >= 3) hits = r[1] == "7" && r[2] == "-3";
        if (r[0] == "pc" && r.size() >= 3) pc = r[1] == "0" && r[2] == "70000";
    }
    CHECK(hits);
    CHECK(pc);
    CHECK(ImGui::GetDrawData()->TotalVtxCount > 1000);
}

TEST_CASE("CPU bar: clicking CPU1 submits taskset and the console's commands run there") {
    HeadlessImGui gui;
    klab::ui::App app;
    settle(gui, app);
    auto cpu1 = app.widgets().find("cpu/1");
    REQUIRE(cpu1.has_value());
    gui.click(app, *cpu1);
    settle(gui, app);
    REQUIRE(!app.session().log().empty());
    CHECK(app.session().log().back().text == "taskset -cp 1 $$");
    CHECK(app.session().kernel().current_cpu == 1);
    app.submit("raw_smp_processor_id()");
    CHECK(app.session().log().back().output.find("= 1") != std::string::npos);
    // Clicking the current CPU does nothing.
    size_t n = app.session().log().size();
    cpu1 = app.widgets().find("cpu/1");
    REQUIRE(cpu1.has_value());
    gui.click(app, *cpu1);
    CHECK(app.session().log().size() == n);
    CHECK(app.lab().title().find("2 commands") != std::string::npos);
}

TEST_CASE("800x600 tabs: the slab and vm views open as tabs and fit") {
    HeadlessImGui gui(800, 600);
    klab::ui::App app;
    app.submit("v = vmalloc(3 * PAGE_SIZE); p = kmalloc(100, GFP_KERNEL);");
    settle(gui, app);
    REQUIRE(app.tabs());
    for (const char* tab : {"tab/Slab caches", "tab/vmalloc / kmap / per-CPU"}) {
        auto t = app.widgets().find(tab);
        REQUIRE_MESSAGE(t.has_value(), tab);
        CHECK(t->x + t->w <= 800);
        gui.click(app, *t);
        settle(gui, app);
    }
    CHECK(app.widgets().find("vm/tab_vmalloc").has_value());
    CHECK_FALSE(app.widgets().find("slab/table").has_value());
    auto t = app.widgets().find("tab/Slab caches");
    REQUIRE(t.has_value());
    gui.click(app, *t);
    settle(gui, app);
    auto table = app.widgets().find("slab/table");
    REQUIRE(table.has_value());
    CHECK(table->y + table->h <= 600);
}

TEST_CASE("prepare() draws the map before textures exist and the first frame only uploads it") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app;
    app.prepare();
    CHECK(app.page_map().full_rebuilds() == 1);
    uint64_t rows = app.page_map().rows_recoloured();
    app.set_textures(&tex);
    gui.frame(app);
    CHECK(app.page_map().full_rebuilds() == 1);
    CHECK(app.page_map().rows_recoloured() == rows);
    CHECK(tex.tex.size() == 2 * 6);
    CHECK(tex.texels >= app.page_map().nr_pages());
    // Later changes are drawn as usual.
    app.submit("p = alloc_pages(GFP_KERNEL, 3);");
    gui.frame(app);
    CHECK(app.page_map().rows_recoloured() > rows);
    CHECK(app.page_map().full_rebuilds() == 1);
}

namespace {
// Boots `alloc`, shows the slab view as a whole-screen tab.
void open_slab_tab(HeadlessImGui& gui, klab::ui::App& app) {
    app.menu().mode = klab::ui::LayoutMode::tabs;
    settle(gui, app);
    auto tab = app.widgets().find("tab/Slab caches");
    REQUIRE(tab.has_value());
    gui.click(app, *tab);
    settle(gui, app);
}
klab::MachineConfig with_allocator(klab::SlabAllocator a) {
    klab::MachineConfig m = klab::MachineConfig::preset(klab::Arch::x86_64);
    m.allocator = a;
    return m;
}
} // namespace

TEST_CASE("slab view under classic SLAB: tunables and slabdata columns, node lists, array caches") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app(with_allocator(klab::SlabAllocator::slab));
    app.set_textures(&tex);
    open_slab_tab(gui, app);
    REQUIRE(app.widgets().find("slab/table").has_value());
    app.submit("c = kmem_cache_create(\"klab_slab\", 200, 0, 0, NULL); void *o[40]; int i;"
               " for (i = 0; i < 40; i++) o[i] = kmem_cache_alloc(c, GFP_KERNEL);"
               " for (i = 0; i < 40; i += 3) kmem_cache_free(c, o[i]);");
    settle(gui, app);
    REQUIRE(!app.view_state<klab::ui::SlabViewState>("slab").caches.empty());
    REQUIRE(app.view_state<klab::ui::SlabViewState>("slab").caches.front().name == "klab_slab");
    uint32_t id = app.view_state<klab::ui::SlabViewState>("slab").caches.front().id;
    const klab::Kernel& k = app.session().kernel();
    klab::SlabClassicView cv = klab::slab_classic_view(k, id);
    REQUIRE(cv.valid);
    CHECK(cv.limit > 0);
    // The new cache is the newest row; its tunables and slabdata cells are drawn.
    auto filter = app.widgets().find("slab/filter");
    REQUIRE(filter.has_value());
    gui.click(app, *filter);
    ImGui::GetIO().AddInputCharactersUTF8("klab_s");
    settle(gui, app);
    CHECK(app.widgets().find("slab/limit/klab_slab").has_value());
    CHECK(app.widgets().find("slab/slabdata/klab_slab").has_value());
    auto row = app.widgets().find("slab/row/klab_slab");
    REQUIRE(row.has_value());
    gui.click(app, *row);
    settle(gui, app);
    CHECK(app.view_state<klab::ui::SlabViewState>("slab").selected == "klab_slab");
    // The detail: tunables, where the index array lives, one array cache per CPU, the shared one.
    CHECK(app.widgets().find("slab/classic/tunables").has_value());
    const char* mgmt = cv.mgmt == klab::SlabMgmt::on_slab    ? "slab/classic/mgmt/on_slab"
                       : cv.mgmt == klab::SlabMgmt::off_slab ? "slab/classic/mgmt/off_slab"
                                                             : "slab/classic/mgmt/objfreelist";
    CHECK(app.widgets().find(mgmt).has_value());
    REQUIRE(cv.cpu.size() == 2);
    CHECK(app.widgets().find("slab/array/cpu0").has_value());
    CHECK(app.widgets().find("slab/array/cpu1").has_value());
    CHECK(app.widgets().find("slab/array/shared").has_value() == cv.has_shared);
    // The slabs are drawn list by list in the node's list order: full, partial, free.
    const auto& slabs = app.view_state<klab::ui::SlabViewState>("slab").slabs;
    REQUIRE(slabs.size() == cv.slabs_full.size() + cv.slabs_partial.size() + cv.slabs_free.size());
    REQUIRE(!slabs.empty());
    size_t i = 0;
    for (const auto* l : {&cv.slabs_full, &cv.slabs_partial, &cv.slabs_free})
        for (const klab::SlabView& v : *l) {
            CHECK(slabs[i].view.id == v.id);
            CHECK(slabs[i].view.colour_off == v.colour_off);
            std::string key = v.list == klab::SlabList::slabs_full      ? "slabs_full"
                              : v.list == klab::SlabList::slabs_partial ? "slabs_partial"
                                                                        : "slabs_free";
            CHECK(app.widgets().find("slab/classic/" + key + "/" + std::to_string(i)).has_value());
            ++i;
        }
    // Objects freed into the CPU's array cache are drawn as such: the states match the arrays.
    size_t in_arrays = 0, drawn_on_cpu = 0;
    for (const auto& a : cv.cpu) in_arrays += a.entry.size();
    if (cv.has_shared) in_arrays += cv.shared_array.entry.size();
    for (const auto& sl : slabs)
        for (const auto& o : sl.objects) drawn_on_cpu += o.state == klab::SlabObjectState::free_on_cpu;
    CHECK(in_arrays > 0); // 14 frees, fewer than the limit: they stay in the array
    CHECK(drawn_on_cpu == in_arrays);
}

TEST_CASE("slab view under SLOB: no slabinfo table, the three SLOB page lists with free units") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app(with_allocator(klab::SlabAllocator::slob));
    app.set_textures(&tex);
    open_slab_tab(gui, app);
    app.submit("void *a[30]; int i; for (i = 0; i < 30; i++) a[i] = kmalloc(100, GFP_KERNEL);"
               " for (i = 0; i < 10; i++) kmalloc(600, GFP_KERNEL);"
               " c = kmem_cache_create(\"klab_slob\", 2000, 0, 0, NULL); kmem_cache_alloc(c, GFP_KERNEL);"
               " for (i = 0; i < 30; i += 2) kfree(a[i]);");
    settle(gui, app);
    CHECK_FALSE(app.widgets().find("slab/table").has_value());
    CHECK(app.widgets().find("slab/slob/why").has_value());
    std::vector<klab::SlobPageView> pages = klab::slob_pages(app.session().kernel());
    REQUIRE(!pages.empty());
    size_t listed = 0;
    for (auto [list, key] : {std::pair{klab::SlabList::slob_small, "small"},
                             std::pair{klab::SlabList::slob_medium, "medium"},
                             std::pair{klab::SlabList::slob_large, "large"}}) {
        CHECK(app.widgets().find(std::string("slab/slob/") + key).has_value());
        size_t n = 0;
        for (const auto& p : pages) n += p.list == list;
        listed += n;
        // One row per page on the list, and no more.
        for (size_t j = 0; j < n; ++j)
            CHECK(app.widgets().find(std::string("slab/slob/") + key + "/" + std::to_string(j)).has_value());
        CHECK_FALSE(app.widgets().find(std::string("slab/slob/") + key + "/" + std::to_string(n)).has_value());
    }
    CHECK(listed > 0);
    for (const auto& p : pages) CHECK(p.free_units <= 2048);
}

TEST_CASE("slab view under classic SLAB: a click on a tunables, slabdata or full header sorts every row by it") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app(with_allocator(klab::SlabAllocator::slab));
    app.set_textures(&tex);
    open_slab_tab(gui, app);
    app.submit("void *a[300]; int i; for (i = 0; i < 300; i++) a[i] = kmalloc(3000, GFP_KERNEL);"
               " for (i = 0; i < 300; i += 2) kfree(a[i]);");
    settle(gui, app);
    const klab::ui::SlabViewState& v = app.view_state<klab::ui::SlabViewState>("slab");
    const klab::Kernel& k = app.session().kernel();
    REQUIRE(v.order.size() > 20);
    REQUIRE(v.order.size() == v.caches.size()); // no filter: every cache is a row
    auto limit_of = [&](size_t row) { return klab::slab_classic_view(k, v.caches[v.order[row]].id).limit; };
    // Default: by objects, so the limits (120 for small objects down to 8 above a page) are mixed.
    bool mixed = false;
    for (size_t r = 1; r < v.order.size(); ++r) mixed = mixed || limit_of(r - 1) < limit_of(r);
    CHECK(mixed);

    // limit: largest first, then smallest first on a second click.
    auto header = app.widgets().find("slab/col/limit");
    REQUIRE(header.has_value());
    gui.click(app, *header);
    settle(gui, app);
    CHECK(v.sort_column == 12);
    CHECK(v.sort_descending);
    REQUIRE(v.order.size() == v.caches.size());
    for (size_t r = 1; r < v.order.size(); ++r) CHECK(limit_of(r - 1) >= limit_of(r));
    CHECK(limit_of(0) > limit_of(v.order.size() - 1)); // the order is not trivial
    // The top row is drawn with its limit cell.
    CHECK(app.widgets().find("slab/limit/" + v.caches[v.order[0]].name).has_value());
    gui.click(app, *app.widgets().find("slab/col/limit"));
    settle(gui, app);
    CHECK_FALSE(v.sort_descending);
    for (size_t r = 1; r < v.order.size(); ++r) CHECK(limit_of(r - 1) <= limit_of(r));

    // The kernel changes while sorted by limit: the new cache is sorted in, not appended.
    app.submit("c = kmem_cache_create(\"klab_big\", 9000, 0, 0, NULL); kmem_cache_alloc(c, GFP_KERNEL);");
    settle(gui, app);
    REQUIRE(v.order.size() == v.caches.size());
    for (size_t r = 1; r < v.order.size(); ++r) CHECK(limit_of(r - 1) <= limit_of(r));

    // slabdata: by active slabs (then total, then sharedavail), largest first.
    auto slabdata = app.widgets().find("slab/col/slabdata");
    REQUIRE(slabdata.has_value());
    gui.click(app, *slabdata);
    settle(gui, app);
    CHECK(v.sort_column == 15);
    CHECK(v.sort_descending);
    auto active_slabs = [&](size_t row) {
        klab::SlabClassicView cv = klab::slab_classic_view(k, v.caches[v.order[row]].id);
        return cv.total_slabs - cv.free_slabs;
    };
    for (size_t r = 1; r < v.order.size(); ++r) CHECK(active_slabs(r - 1) >= active_slabs(r));
    CHECK(active_slabs(0) > active_slabs(v.order.size() - 1));

    // full (slabs_full, in SLUB's "cpu" column).
    auto full = app.widgets().find("slab/col/full");
    REQUIRE(full.has_value());
    gui.click(app, *full);
    settle(gui, app);
    CHECK(v.sort_column == 9);
    for (size_t r = 1; r < v.order.size(); ++r)
        CHECK(v.caches[v.order[r - 1]].full_slabs >= v.caches[v.order[r]].full_slabs);
    CHECK(v.caches[v.order[0]].full_slabs > v.caches[v.order.back()].full_slabs);
}

TEST_CASE("slab view under SLOB: clicking a page points that page out in the memory map") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app(with_allocator(klab::SlabAllocator::slob));
    app.set_textures(&tex);
    open_slab_tab(gui, app);
    // About 10 KiB of small blocks, half freed: at least three pages on free_slob_small.
    app.submit("void *a[100]; int i; for (i = 0; i < 100; i++) a[i] = kmalloc(100, GFP_KERNEL);"
               " for (i = 0; i < 100; i += 2) kfree(a[i]);");
    settle(gui, app);
    std::vector<klab::SlobPageView> small;
    for (const auto& p : klab::slob_pages(app.session().kernel()))
        if (p.list == klab::SlabList::slob_small) small.push_back(p);
    REQUIRE(small.size() >= 2);
    CHECK(app.page_map().highlight().ranges.empty());
    // Two different pages, one after the other: the map follows the click.
    for (size_t j : {size_t(1), size_t(0)}) {
        auto row = app.widgets().find("slab/slob/small/" + std::to_string(j));
        REQUIRE(row.has_value());
        REQUIRE(row->y + row->h < ImGui::GetIO().DisplaySize.y); // on screen
        gui.click(app, *row);
        settle(gui, app);
        REQUIRE(app.page_map().highlight().ranges.size() == 1);
        CHECK(app.page_map().highlight().ranges[0].first == small[j].pfn);
        CHECK(app.page_map().highlight().ranges[0].second == 1);
        CHECK(app.page_map().highlight().label.find("free_slob_small") != std::string::npos);
        CHECK(app.view_state<klab::ui::SlabViewState>("slab").selected_slab == small[j].id);
    }
    CHECK(small[0].pfn != small[1].pfn);
    // The map tab offers to clear it.
    auto map_tab = app.widgets().find("tab/Physical memory");
    REQUIRE(map_tab.has_value());
    gui.click(app, *map_tab);
    settle(gui, app);
    CHECK(app.widgets().find("pagemap/clear_highlight").has_value());
}

// ---- issue 20: the wheel, Tab, counts, clipped text, plain words, the map's last change ----

TEST_CASE("wheel: a browser notch of 100 px is three lines the way it was turned, in ImGui's units") {
    using klab::ui::wheel_units_from_dom;
    // ImGui 1.86 scrolls 5 lines per unit, positive = up; the browser's positive deltaY = down.
    CHECK(wheel_units_from_dom(0, 100, 0).y == doctest::Approx(-0.6));
    CHECK(wheel_units_from_dom(0, -100, 0).y == doctest::Approx(0.6));
    CHECK(wheel_units_from_dom(0, 3, 1).y == doctest::Approx(-0.6)); // Firefox: 3 lines
    CHECK(wheel_units_from_dom(0, 10, 0).y * 10 == doctest::Approx(wheel_units_from_dom(0, 100, 0).y));
    CHECK(wheel_units_from_dom(100, 0, 0).x == doctest::Approx(-1.5)); // right = ImGui's negative
    CHECK(klab::ui::wheel_units_from_glfw(0, 1).y == doctest::Approx(klab::ui::kWheelUnitsPerNotch));
}

TEST_CASE("console: Tab's matches sit in a bounded box above a visible input, Escape closes it and keeps the line") {
    HeadlessImGui gui(1280, 720);
    klab::ui::App app;
    gui.frame(app);
    gui.frame(app);
    gui.key(app, ImGuiKey_Tab); // an empty line: nothing to complete, no list of every name
    CHECK(app.console().candidates.empty());
    gui.type(app, "k");
    gui.key(app, ImGuiKey_Tab);
    gui.frame(app);
    REQUIRE(app.console().candidates.size() > 20);
    auto box = app.widgets().find("console/completions");
    auto input = app.widgets().find("console/input");
    auto win = app.widgets().find("view/Console");
    REQUIRE((box && input && win));
    CHECK(box->h <= 7 * ImGui::GetTextLineHeightWithSpacing());
    CHECK(input->y >= box->y + box->h);
    CHECK(input->y + input->h <= win->y + win->h);
    gui.key(app, ImGuiKey_Escape);
    gui.frame(app);
    CHECK(app.console().candidates.empty());
    CHECK_FALSE(app.widgets().find("console/completions").has_value());
    CHECK(app.console().tab_leaves);
    CHECK(input_of(app) == "k");
    gui.type(app, "malloc(8, GFP_KERNEL);"); // the line kept the keyboard
    CHECK_FALSE(app.console().tab_leaves);
    gui.key(app, ImGuiKey_Enter);
    REQUIRE(app.session().log().size() == 1);
    CHECK(app.session().log()[0].text == "kmalloc(8, GFP_KERNEL);");
}

TEST_CASE("console: long output wraps at the panel's width instead of being cut off") {
    HeadlessImGui gui(1280, 720);
    klab::ui::App app;
    gui.frame(app);
    app.submit("help");
    for (int i = 0; i < 3; ++i) gui.frame(app);
    const auto& s = app.console();
    REQUIRE(s.rows_cols > 8);
    CHECK(s.rows.size() > s.lines.size()); // some help lines are wider than a third of the screen
    size_t longest = 0;
    for (const auto& r : s.rows) longest = std::max<size_t>(longest, r.end - r.begin);
    CHECK(longest <= static_cast<size_t>(s.rows_cols) + 2); // a few multi-byte characters
    // Every byte of every line is in exactly one row, in order.
    size_t line = 0, at = 0;
    for (const auto& r : s.rows) {
        if (r.line != line) {
            CHECK(at == s.lines[line].text.size());
            line = r.line, at = 0;
        }
        CHECK(r.begin == at);
        at = r.end;
    }
}

TEST_CASE("console and trace: a report keeps Linux's words and gets one plain sentence under it") {
    HeadlessImGui gui;
    klab::ui::App app;
    gui.frame(app);
    app.submit("p = kmalloc(100, GFP_KERNEL); kfree(p); kfree(p);");
    for (int i = 0; i < 3; ++i) gui.frame(app);
    CHECK(transcript_has(app, klab::ui::LineKind::error, "kernel BUG at mm/slub.c:419!"));
    CHECK(transcript_has(app, klab::ui::LineKind::note, "in plain words: This is SLUB's double-free check"));
    CHECK(app.session().log().back().output.find("plain words") == std::string::npos);
    CHECK(app.widgets().find("trace/newest/plain").has_value());
}

TEST_CASE("slab view: a slab's line counts the objects handed out, as the grid and the detail do") {
    HeadlessImGui gui;
    klab::ui::App app;
    app.menu().mode = klab::ui::LayoutMode::tabs;
    settle(gui, app);
    auto tab = app.widgets().find("tab/Slab caches");
    REQUIRE(tab.has_value());
    gui.click(app, *tab);
    settle(gui, app);
    app.submit("a = kmalloc(100, GFP_KERNEL);");
    // A slow rebuild (a loaded machine) is redone at most every 0.25 s of ImGui time.
    settle(gui, app, 20);
    auto filter = app.widgets().find("slab/filter");
    REQUIRE(filter.has_value());
    gui.click(app, *filter);
    ImGui::GetIO().AddInputCharactersUTF8("kmalloc-128");
    settle(gui, app);
    auto row = app.widgets().find("slab/row/kmalloc-128");
    REQUIRE(row.has_value());
    gui.click(app, *row);
    settle(gui, app, 20);
    const auto& st = app.view_state<klab::ui::SlabViewState>("slab");
    CHECK(st.selected == "kmalloc-128");
    REQUIRE(!st.slabs.empty());
    REQUIRE(st.slab_heads.size() == st.slabs.size());
    bool cpu_slab_seen = false;
    for (size_t i = 0; i < st.slabs.size(); ++i) {
        const auto& sl = st.slabs[i];
        size_t used = 0;
        for (const auto& o : sl.objects) used += o.state == klab::SlabObjectState::allocated;
        std::string want = std::to_string(used) + "/" + std::to_string(sl.view.objects) + " in use";
        CHECK_MESSAGE(st.slab_heads[i].find(want) != std::string::npos, st.slab_heads[i]);
        if (sl.view.list == klab::SlabList::cpu_slab) cpu_slab_seen = used < sl.view.objects;
    }
    CHECK(cpu_slab_seen); // SLUB's CPU slab: page->inuse says all 32, the line says how many are used
}

TEST_CASE("memory map: legend counts are never cut, i386 zone names never overlap, the last change can be shown") {
    HeadlessImGui gui(1280, 720);
    FakeTextures tex;
    klab::ui::App app(klab::MachineConfig::preset(klab::Arch::i386));
    app.set_textures(&tex);
    settle(gui, app);
    auto win = app.widgets().find("view/Physical memory");
    REQUIRE(win.has_value());
    auto free_entry = app.widgets().find("pagemap/legend/free (buddy)");
    REQUIRE(free_entry.has_value());
    CHECK(free_entry->x + free_entry->w <= win->x + win->w);
    auto dma = app.widgets().find("pagemap/zone_label/DMA");
    auto normal = app.widgets().find("pagemap/zone_label/Normal");
    REQUIRE((dma && normal));
    bool overlap = dma->x < normal->x + normal->w && normal->x < dma->x + dma->w &&
                   dma->y < normal->y + normal->h && normal->y < dma->y + dma->h;
    CHECK_FALSE(overlap);
    // One page: at Fit it is a fraction of a pixel; its outline stays after the flash, and
    // "show last change" zooms in and scrolls it into the panel.
    app.submit("p = alloc_pages(GFP_KERNEL, 0);");
    settle(gui, app);
    ImGui::GetIO().DeltaTime = 1.0f; // three seconds later
    settle(gui, app);
    ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
    REQUIRE(app.widgets().find("pagemap/recent_mark").has_value());
    auto cells = app.widgets().find("pagemap/cells");
    auto show = app.widgets().find("pagemap/show_recent");
    REQUIRE((cells && show));
    gui.click(app, *show);
    settle(gui, app, 5);
    auto zoomed = app.widgets().find("pagemap/cells");
    auto mark = app.widgets().find("pagemap/recent_mark");
    win = app.widgets().find("view/Physical memory");
    REQUIRE((zoomed && mark && win));
    CHECK(zoomed->h > 4 * cells->h);
    CHECK(mark->y >= win->y);
    CHECK(mark->y + mark->h <= win->y + win->h);
}

TEST_CASE("small words: a missed choice is quoted, the CPU bar's preempt_count is explained") {
    CHECK(klab::ui::prediction_miss_text(true, "the order-10 block comes back") ==
          "Not quite. The model's answer: \u201cthe order-10 block comes back\u201d.");
    CHECK(klab::ui::prediction_miss_text(false, "3") == "Not quite: the model gives 3.");
    CHECK(klab::ui::cpu_state_words(0, false).find("may sleep") != std::string::npos);
    CHECK(klab::ui::cpu_state_words(0x100, true).find("interrupt context") != std::string::npos);
    CHECK(klab::ui::cpu_state_words(0x100, true).find("irqs off") != std::string::npos);
}

TEST_CASE("modules view: lists the session's modules and loads one through the console") {
    HeadlessImGui gui;
    FakeTextures tex;
    klab::ui::App app;
    app.set_textures(&tex);
    app.submit("int hello_init(void) { return 0; }\nmodule_init(hello_init);\nMODULE_LICENSE(\"GPL\");");
    bool found = false;
    for (klab::ui::ViewSlot& v : app.views())
        if (std::string(v.title) == "Modules") {
            CHECK_FALSE(v.open); // closed until asked for
            v.open = found = true;
        }
    REQUIRE(found);
    gui.frame(app);
    gui.frame(app);
    auto insmod = app.widgets().find("modules/insmod/hello");
    REQUIRE(insmod.has_value());
    gui.click(app, *insmod);
    CHECK(app.session().log().back().text == "insmod hello");
    CHECK(app.session().kernel().modules.modules.at("hello").loaded());
    gui.frame(app);
    CHECK(app.widgets().find("modules/rmmod/hello").has_value());
}

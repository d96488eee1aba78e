#include "page_map.h"

#include <imgui.h>

#include <algorithm>

#include "session/session.h"

namespace klab::ui {

const char* cell_class_name(CellClass c) {
    switch (c) {
    case CellClass::hole: return "hole (not RAM)";
    case CellClass::reserved: return "reserved";
    case CellClass::free: return "free (buddy)";
    case CellClass::pcp: return "per-CPU list";
    case CellClass::alloc: return "alloc_pages";
    case CellClass::slab: return "slab";
    case CellClass::vmalloc: return "vmalloc";
    case CellClass::kernel_stack: return "kernel stack";
    case CellClass::page_table: return "page table";
    case CellClass::user: return "user";
    case CellClass::count: break;
    }
    return "?";
}

// Okabe-Ito colours (distinguishable with the common colour-vision deficiencies); free blocks
// get brighter with their order so large free blocks stand out from fragments.
uint32_t cell_class_colour(CellClass c, uint32_t order) {
    switch (c) {
    case CellClass::hole: return IM_COL32(28, 30, 34, 255);
    case CellClass::reserved: return IM_COL32(105, 108, 114, 255);
    case CellClass::free: {
        float t = static_cast<float>(std::min<uint32_t>(order, 10)) / 10.0f;
        return IM_COL32(static_cast<int>(30 + 56 * t), static_cast<int>(70 + 110 * t),
                        static_cast<int>(105 + 128 * t), 255);
    }
    case CellClass::pcp: return IM_COL32(0, 158, 115, 255);
    case CellClass::alloc: return IM_COL32(230, 159, 0, 255);
    case CellClass::slab: return IM_COL32(213, 94, 0, 255);
    case CellClass::vmalloc: return IM_COL32(204, 121, 167, 255);
    case CellClass::kernel_stack: return IM_COL32(240, 228, 66, 255);
    case CellClass::page_table: return IM_COL32(0, 114, 178, 255);
    case CellClass::user: return IM_COL32(235, 235, 235, 255);
    case CellClass::count: break;
    }
    return IM_COL32(255, 0, 255, 255);
}

CellClass cell_class_of(PageOwner o) {
    switch (o) {
    case PageOwner::hole: return CellClass::hole;
    case PageOwner::reserved: return CellClass::reserved;
    case PageOwner::buddy:
    case PageOwner::buddy_tail: return CellClass::free;
    case PageOwner::pcp: return CellClass::pcp;
    case PageOwner::alloc:
    case PageOwner::alloc_tail: return CellClass::alloc;
    case PageOwner::slab: return CellClass::slab;
    case PageOwner::vmalloc: return CellClass::vmalloc;
    case PageOwner::kernel_stack: return CellClass::kernel_stack;
    case PageOwner::page_table: return CellClass::page_table;
    case PageOwner::user: return CellClass::user;
    case PageOwner::none: break;
    }
    return CellClass::hole;
}

namespace {
// Tails of an allocated block are a little darker than its head, so neighbouring allocations
// of the same owner stay distinguishable when zoomed in.
uint32_t darker(uint32_t c) {
    uint32_t r = (c & 0xff) * 3 / 4, g = ((c >> 8) & 0xff) * 3 / 4, b = ((c >> 16) & 0xff) * 3 / 4;
    return (c & 0xff000000u) | (b << 16) | (g << 8) | r;
}
} // namespace

PageMap::~PageMap() {
    destroy_textures();
}

void PageMap::set_textures(TextureApi* api) {
    destroy_textures();
    api_ = api;
    for (uint8_t& d : dirty_) d |= kUpload;
}

void PageMap::destroy_textures() {
    if (api_) {
        for (void* t : tex_) api_->destroy(t);
        for (void* t : overview_tex_) api_->destroy(t);
    }
    tex_.clear();
    overview_tex_.clear();
}

void PageMap::reset(uint64_t nr_pages) {
    destroy_textures();
    nr_pages_ = nr_pages;
    nr_rows_ = static_cast<uint32_t>((nr_pages + kRowPages - 1) / kRowPages);
    pixels_.assign(static_cast<size_t>(nr_rows_) * kRowPages, cell_class_colour(CellClass::hole));
    overview_.assign(static_cast<size_t>(nr_rows_) * (kRowPages / kOverview),
                     cell_class_colour(CellClass::hole));
    row_class_.assign(pixels_.size(), static_cast<uint8_t>(CellClass::hole));
    counts_ = {};
    counts_[static_cast<size_t>(CellClass::hole)] = pixels_.size();
    dirty_.assign(nr_rows_, kRecolour);
    recent_.clear();
}

// A row that is one block of order 10 (most rows of a machine just booted: 1.5 M frames on
// the default 6 GiB, and this runs before the page's first frame) gets its one colour with a
// few fills instead of the frame-by-frame walk. Same picture as recolour_row's walk.
bool PageMap::fill_block_row(const Kernel& k, uint32_t row, bool& changed) {
    const MemoryModel& m = k.mm;
    uint64_t start = static_cast<uint64_t>(row) * kRowPages;
    if (start + kRowPages > m.max_pfn) return false;
    const page& pg = m.mem_map[start];
    bool block = pg.owner != PageOwner::reserved && pg.owner != PageOwner::hole &&
                 pg.owner != PageOwner::none;
    if (!block || pg.order < 10) return false;
    CellClass c = cell_class_of(pg.owner);
    uint32_t col = cell_class_colour(c, pg.order);
    uint32_t tail = c == CellClass::free || c == CellClass::pcp ? col : darker(col);
    uint32_t* px = pixels_.data() + start;
    uint8_t* cls = row_class_.data() + start;
    const uint8_t cb = static_cast<uint8_t>(c);
    changed = px[0] != col ||
              std::any_of(px + 1, px + kRowPages, [tail](uint32_t v) { return v != tail; }) ||
              std::any_of(cls, cls + kRowPages, [cb](uint8_t v) { return v != cb; });
    ++rows_recoloured_;
    if (!changed) return true;
    for (uint32_t i = 0; i < kRowPages; ++i) --counts_[cls[i]];
    px[0] = col;
    std::fill(px + 1, px + kRowPages, tail);
    std::fill(cls, cls + kRowPages, cb);
    counts_[static_cast<size_t>(c)] += kRowPages;
    uint32_t* ov = overview_.data() + static_cast<size_t>(row) * (kRowPages / kOverview);
    ov[0] = col; // each overview texel: its first frame (all of one class)
    std::fill(ov + 1, ov + kRowPages / kOverview, tail);
    return true;
}

bool PageMap::recolour_row(const Kernel& k, uint32_t row) {
    if (bool changed = false; fill_block_row(k, row, changed)) return changed;
    const MemoryModel& m = k.mm;
    uint64_t start = static_cast<uint64_t>(row) * kRowPages;
    uint64_t end = std::min<uint64_t>(start + kRowPages, m.max_pfn);
    uint32_t* px = pixels_.data() + start;
    uint8_t* cls = row_class_.data() + start;
    uint32_t before = 0;
    for (uint32_t i = 0; i < kRowPages; ++i) before = before * 31 + px[i];
    for (uint32_t i = 0; i < kRowPages; ++i) --counts_[cls[i]];
    uint64_t p = start;
    while (p < end) {
        const page& pg = m.mem_map[p];
        CellClass c = cell_class_of(pg.owner);
        uint64_t n = 1;
        bool block = pg.owner != PageOwner::reserved && pg.owner != PageOwner::hole &&
                     pg.owner != PageOwner::none;
        if (block) n = std::min<uint64_t>(uint64_t{1} << std::min<uint32_t>(pg.order, 10), end - p);
        uint32_t col = cell_class_colour(c, pg.order);
        px[p - start] = col;
        cls[p - start] = static_cast<uint8_t>(c);
        uint32_t tail = c == CellClass::free || c == CellClass::pcp ? col : darker(col);
        for (uint64_t q = 1; q < n; ++q) {
            px[p - start + q] = tail;
            cls[p - start + q] = static_cast<uint8_t>(c);
        }
        p += n;
    }
    for (uint64_t q = end; q < start + kRowPages; ++q) {
        px[q - start] = cell_class_colour(CellClass::hole);
        cls[q - start] = static_cast<uint8_t>(CellClass::hole);
    }
    for (uint32_t i = 0; i < kRowPages; ++i) ++counts_[cls[i]];
    // The overview texel takes the most common class of its 16 frames (ties: the later class,
    // so a lone allocation among free frames still shows when it wins a tie).
    uint32_t* ov = overview_.data() + static_cast<size_t>(row) * (kRowPages / kOverview);
    for (uint32_t t = 0; t < kRowPages / kOverview; ++t) {
        uint8_t n[static_cast<size_t>(CellClass::count)] = {};
        uint32_t best = 0;
        for (uint32_t i = 0; i < kOverview; ++i) ++n[cls[t * kOverview + i]];
        for (uint32_t c = 0; c < static_cast<uint32_t>(CellClass::count); ++c)
            if (n[c] >= n[best]) best = c;
        uint32_t first = t * kOverview;
        while (cls[first] != best) ++first;
        ov[t] = px[first];
    }
    ++rows_recoloured_;
    uint32_t after = 0;
    for (uint32_t i = 0; i < kRowPages; ++i) after = after * 31 + px[i];
    return after != before;
}

void PageMap::sync(const Session& s, bool rebooted, uint64_t trace_from, uint64_t trace_to,
                   bool kernel_changed) {
    const Kernel& k = s.kernel();
    if (rebooted || k.mm.max_pfn != nr_pages_) reset(k.mm.max_pfn);
    if (rebooted) highlight_ = PageHighlight{};
    const Tracer& t = k.trace;
    bool full = rebooted;
    if (kernel_changed && !full) {
        // Events lost (ring overrun, trace off or cleared): recolour everything, upload only
        // rows that really changed.
        if (!t.enabled || trace_to < trace_from || trace_to - trace_from > t.size()) full = true;
        else {
            bool first = true;
            for (uint64_t i = t.size() - (trace_to - trace_from); i < t.size(); ++i) {
                const TraceEvent& e = t.at(i);
                // Only page allocator events carry a pfn (kmem:kmalloc and friends carry a
                // pointer in that field).
                bool page_event = e.type == TraceEventType::mm_page_alloc ||
                                  e.type == TraceEventType::mm_page_free ||
                                  e.type == TraceEventType::mm_page_alloc_zone_locked ||
                                  e.type == TraceEventType::mm_page_pcpu_drain ||
                                  e.type == TraceEventType::mm_page_alloc_extfrag;
                if (!page_event || e.pfn == UINT64_MAX) continue;
                uint64_t row = e.pfn / kRowPages;
                if (row < nr_rows_) dirty_[row] |= kRecolour;
                if (e.type != TraceEventType::mm_page_alloc && e.type != TraceEventType::mm_page_free)
                    continue;
                if (first) recent_.clear(), ++recent_batch_, first = false;
                if (recent_.size() < kRecentMax && e.pfn < nr_pages_)
                    recent_.emplace_back(static_cast<pfn_t>(e.pfn), 1u << e.order);
            }
        }
    }
    if (full) {
        ++full_rebuilds_;
        for (uint32_t r = 0; r < nr_rows_; ++r) {
            bool must = dirty_[r] & kRecolour;
            if (recolour_row(k, r) || must) dirty_[r] = kUpload;
        }
    }
    for (uint32_t r = 0; r < nr_rows_; ++r)
        if (dirty_[r] & kRecolour) {
            recolour_row(k, r);
            dirty_[r] = kUpload;
        }
    upload_dirty();
}

void PageMap::upload_dirty() {
    if (!api_) return;
    uint32_t chunks = (nr_rows_ + kChunkRows - 1) / kChunkRows;
    constexpr int kOvW = static_cast<int>(kRowPages / kOverview);
    while (tex_.size() < chunks) {
        uint32_t rows = std::min(kChunkRows, nr_rows_ - static_cast<uint32_t>(tex_.size()) * kChunkRows);
        tex_.push_back(api_->create(static_cast<int>(kRowPages), static_cast<int>(rows)));
        overview_tex_.push_back(api_->create(kOvW, static_cast<int>(rows)));
    }
    // Contiguous runs of dirty rows go up in one call each.
    for (uint32_t r = 0; r < nr_rows_;) {
        if (!(dirty_[r] & kUpload)) {
            ++r;
            continue;
        }
        uint32_t chunk = r / kChunkRows, end = r;
        while (end < nr_rows_ && (dirty_[end] & kUpload) && end / kChunkRows == chunk)
            dirty_[end++] = 0;
        int y = static_cast<int>(r - chunk * kChunkRows), rows = static_cast<int>(end - r);
        api_->update(tex_[chunk], y, static_cast<int>(kRowPages), rows,
                     pixels_.data() + static_cast<size_t>(r) * kRowPages);
        api_->update(overview_tex_[chunk], y, kOvW, rows,
                     overview_.data() + static_cast<size_t>(r) * kOvW);
        texels_uploaded_ += static_cast<uint64_t>(rows) * (kRowPages + kOvW);
        r = end;
    }
}

} // namespace klab::ui

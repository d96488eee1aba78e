// The physical memory map's picture: one RGBA texel per page frame, coloured by owner, kept in
// GPU textures that are updated only where frames changed. Frames change only where the trace
// shows page allocator events, and a buddy split or merge never leaves its aligned order-10
// block (1024 frames), so each event marks one 1024-frame row dirty; a row is recoloured by
// walking its block heads (cost per block, not per frame) and uploaded with glTexSubImage2D.
// A 4 GiB machine (1,048,576 frames) is 4 textures of 1024 x 256 plus an overview at 1/16.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mm/mmzone.h"

namespace klab {
struct Kernel;
class Session;
} // namespace klab

namespace klab::ui {

// What the platform gives the page map to draw with: RGBA8 textures, nearest filtering. The
// headless tests use a fake that only counts texels.
class TextureApi {
public:
    virtual ~TextureApi() = default;
    virtual void* create(int width, int height) = 0; // an ImTextureID
    virtual void update(void* tex, int y, int width, int rows, const uint32_t* rgba) = 0;
    virtual void destroy(void* tex) = 0;
};

// The owner classes the map colours, in legend order.
enum class CellClass : uint8_t {
    hole, reserved, free, pcp, alloc, slab, vmalloc, kernel_stack, page_table, user, count
};
const char* cell_class_name(CellClass c);
uint32_t cell_class_colour(CellClass c, uint32_t order = 0); // ImU32 (ABGR)
CellClass cell_class_of(PageOwner o);

// Frames another view asked the map to point out (a slab's pages, a vmalloc area's pages).
struct PageHighlight {
    std::vector<std::pair<pfn_t, uint32_t>> ranges; // first frame, number of frames
    std::string label;                              // "slab of kmalloc-128 at pfn 0x1234"
    bool scroll = true;                             // bring the first range into view once
};

class PageMap {
public:
    static constexpr uint32_t kRowPages = 1024;  // one texture row: an aligned order-10 block
    static constexpr uint32_t kChunkRows = 256;  // rows per texture (1 GiB of frames)
    static constexpr uint32_t kOverview = 16;    // frames per overview texel

    ~PageMap();
    void set_textures(TextureApi* api);
    // Brings the picture up to date with the session (call once per frame, before drawing).
    void sync(const Session& s, bool rebooted, uint64_t trace_from, uint64_t trace_to,
              bool kernel_changed);

    uint64_t nr_pages() const { return nr_pages_; }
    uint32_t nr_rows() const { return nr_rows_; }
    const std::vector<void*>& textures() const { return tex_; }
    const std::vector<void*>& overview_textures() const { return overview_tex_; }
    uint32_t colour_at(uint64_t pfn) const { return pfn < pixels_.size() ? pixels_[pfn] : 0; }
    CellClass class_at(uint64_t pfn) const {
        return pfn < row_class_.size() ? static_cast<CellClass>(row_class_[pfn]) : CellClass::hole;
    }
    // Frames of each class, for the legend.
    const std::array<uint64_t, static_cast<size_t>(CellClass::count)>& class_counts() const {
        return counts_;
    }
    // Statistics for tests and the perf overlay.
    uint64_t rows_recoloured() const { return rows_recoloured_; }
    uint64_t texels_uploaded() const { return texels_uploaded_; }
    uint64_t full_rebuilds() const { return full_rebuilds_; }
    // What to point out (a new kernel forgets it).
    void set_highlight(PageHighlight h) { highlight_ = std::move(h); }
    PageHighlight& highlight() { return highlight_; }
    const PageHighlight& highlight() const { return highlight_; }
    // The frames the last batch of page allocator events allocated or freed (at most
    // kRecentMax blocks): the view marks them for a moment, so one kmalloc's new slab page
    // shows even on a 6 GiB map.
    static constexpr size_t kRecentMax = 64;
    const std::vector<std::pair<pfn_t, uint32_t>>& recent() const { return recent_; }
    // Seconds since the view first drew the current batch (now: ImGui time).
    double recent_age(double now) {
        if (recent_seen_ != recent_batch_) recent_seen_ = recent_batch_, recent_since_ = now;
        return now - recent_since_;
    }

private:
    TextureApi* api_ = nullptr;
    uint64_t nr_pages_ = 0;
    uint32_t nr_rows_ = 0;
    std::vector<uint32_t> pixels_;   // nr_rows_ * kRowPages texels
    std::vector<uint32_t> overview_; // nr_rows_ * (kRowPages / kOverview)
    std::vector<uint8_t> row_class_; // per-frame class, for the counts
    static constexpr uint8_t kRecolour = 1, kUpload = 2;
    std::vector<uint8_t> dirty_; // per row: kRecolour | kUpload
    std::vector<void*> tex_, overview_tex_;
    std::array<uint64_t, static_cast<size_t>(CellClass::count)> counts_{};
    uint64_t rows_recoloured_ = 0, texels_uploaded_ = 0, full_rebuilds_ = 0;
    PageHighlight highlight_;
    std::vector<std::pair<pfn_t, uint32_t>> recent_;
    uint64_t recent_batch_ = 0, recent_seen_ = 0;
    double recent_since_ = -1e9;

    void reset(uint64_t nr_pages);
    void destroy_textures();
    bool recolour_row(const Kernel& k, uint32_t row); // true if any texel changed
    // recolour_row for a row that one order-10 block covers; false: not such a row.
    bool fill_block_row(const Kernel& k, uint32_t row, bool& changed);
    void upload_dirty();
};

} // namespace klab::ui

// md4c callbacks -> MdDoc (see markdown.h). md4c reports no positions, but the text it hands
// over (and a code fence's info string) points into our buffer for ordinary text, so a block's
// line is the line of the first such pointer.
#include "lesson/markdown.h"

#include <algorithm>

#include <md4c.h>

namespace klab {

std::string MdBlock::plain() const {
    std::string s;
    for (const MdSpan& sp : spans) s += sp.text;
    return s;
}

namespace {

struct Walker {
    std::string_view src;
    uint32_t first_line = 1;
    std::vector<uint32_t> line_starts; // offsets where each line of src starts
    MdDoc doc;
    int depth = 0; // 0: the document itself
    uint32_t quote_depth = 0;
    struct List {
        bool ordered;
        uint32_t next;
    };
    std::vector<List> lists;
    bool item_start = false;
    int em = 0, strong = 0, code = 0;
    std::vector<std::string> links;
    long cur_ = -1;         // index of the block receiving text (-1: none)
    bool li_fresh = false;  // cur_ is the empty paragraph a list item opened
    MdBlock* cur() { return cur_ < 0 ? nullptr : &doc.blocks[size_t(cur_)]; }
    void set_cur(MdBlock& b) { cur_ = long(&b - doc.blocks.data()); }
    bool in_cell = false;
    bool in_head = false;

    uint32_t line_of(const char* p) const {
        if (p < src.data() || p > src.data() + src.size()) return 0;
        size_t off = static_cast<size_t>(p - src.data());
        auto it = std::upper_bound(line_starts.begin(), line_starts.end(), off);
        return first_line + static_cast<uint32_t>(it - line_starts.begin()) - 1;
    }
    void note_line(MdBlock& b, const char* p) {
        uint32_t l = line_of(p);
        if (l && (!b.line || l < b.line)) b.line = l;
    }
    MdBlock& open(MdKind kind) {
        MdBlock b;
        b.kind = kind;
        b.quote_depth = quote_depth;
        b.list_depth = static_cast<uint32_t>(lists.size());
        if (!lists.empty()) {
            b.ordered = lists.back().ordered;
            if (item_start) {
                b.list_item_start = true;
                b.number = lists.back().next - 1;
                item_start = false;
            }
        }
        b.top = static_cast<uint32_t>(doc.tops.size() - 1);
        doc.blocks.push_back(std::move(b));
        return doc.blocks.back();
    }
    void add_text(std::string_view t) {
        MdBlock* cur = this->cur();
        if (!cur) return;
        std::vector<MdSpan>* spans = &cur->spans;
        if (cur->kind == MdKind::TableRow) {
            if (cur->cells.empty()) cur->cells.emplace_back();
            spans = &cur->cells.back();
        }
        bool e = em > 0, s = strong > 0, c = code > 0;
        std::string href = links.empty() ? std::string() : links.back();
        if (!spans->empty()) {
            MdSpan& last = spans->back();
            if (last.em == e && last.strong == s && last.code == c && last.href == href) {
                last.text += t;
                return;
            }
        }
        spans->push_back(MdSpan{std::string(t), e, s, c, href});
    }

    int enter_block(MD_BLOCKTYPE type, void* detail) {
        depth++;
        if (type != MD_BLOCK_P) li_fresh = false;
        if (depth == 2) {
            doc.tops.push_back(MdTop{});
            doc.tops.back().first_block = static_cast<uint32_t>(doc.blocks.size());
        }
        switch (type) {
        case MD_BLOCK_QUOTE:
            quote_depth++;
            break;
        case MD_BLOCK_UL:
            lists.push_back(List{false, 1});
            break;
        case MD_BLOCK_OL:
            lists.push_back(List{true, static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start});
            break;
        case MD_BLOCK_LI:
            if (!lists.empty()) lists.back().next++;
            item_start = true;
            // Tight lists send the item's text without a paragraph block.
            set_cur(open(MdKind::Paragraph));
            li_fresh = true;
            break;
        case MD_BLOCK_HR:
            open(MdKind::Rule);
            break;
        case MD_BLOCK_H: {
            MdBlock& b = open(MdKind::Heading);
            b.level = static_cast<MD_BLOCK_H_DETAIL*>(detail)->level;
            set_cur(b);
            break;
        }
        case MD_BLOCK_CODE: {
            auto* d = static_cast<MD_BLOCK_CODE_DETAIL*>(detail);
            MdBlock& b = open(MdKind::Code);
            b.lang.assign(d->lang.text ? d->lang.text : "", d->lang.size);
            if (d->info.text) note_line(b, d->info.text);
            set_cur(b);
            break;
        }
        case MD_BLOCK_HTML:
            set_cur(open(MdKind::Html));
            break;
        case MD_BLOCK_P:
            if (li_fresh) break; // the item's first paragraph: the block LI opened
            if (!in_cell) set_cur(open(MdKind::Paragraph));
            break;
        case MD_BLOCK_THEAD:
            in_head = true;
            break;
        case MD_BLOCK_TBODY:
            in_head = false;
            break;
        case MD_BLOCK_TR: {
            MdBlock& b = open(MdKind::TableRow);
            b.header_row = in_head;
            set_cur(b);
            break;
        }
        case MD_BLOCK_TH:
        case MD_BLOCK_TD:
            in_cell = true;
            if (cur() && cur()->kind == MdKind::TableRow) cur()->cells.emplace_back();
            break;
        default:
            break;
        }
        return 0;
    }

    int leave_block(MD_BLOCKTYPE type, void*) {
        switch (type) {
        case MD_BLOCK_QUOTE:
            quote_depth--;
            break;
        case MD_BLOCK_UL:
        case MD_BLOCK_OL:
            lists.pop_back();
            break;
        case MD_BLOCK_LI:
            item_start = false;
            li_fresh = false;
            cur_ = -1;
            break;
        case MD_BLOCK_TH:
        case MD_BLOCK_TD:
            in_cell = false;
            break;
        case MD_BLOCK_H:
        case MD_BLOCK_CODE:
        case MD_BLOCK_HTML:
        case MD_BLOCK_TR:
            cur_ = -1;
            break;
        case MD_BLOCK_P:
            li_fresh = false;
            if (!in_cell) cur_ = -1;
            break;
        default:
            break;
        }
        if (depth == 2) doc.tops.back().end_block = static_cast<uint32_t>(doc.blocks.size());
        depth--;
        return 0;
    }

    int text(MD_TEXTTYPE type, const MD_CHAR* t, MD_SIZE n) {
        MdBlock* cur = this->cur();
        if (!cur) return 0;
        li_fresh = false;
        // A code block's first text line follows its fence line.
        if (cur->kind == MdKind::Code && !cur->line && line_of(t)) cur->line = line_of(t) - 1;
        else note_line(*cur, t);
        std::string_view s(t, n);
        switch (type) {
        case MD_TEXT_NULLCHAR:
            add_text("\xEF\xBF\xBD");
            break;
        case MD_TEXT_BR:
        case MD_TEXT_SOFTBR:
            add_text(type == MD_TEXT_BR ? "\n" : " ");
            break;
        case MD_TEXT_ENTITY:
            add_text(entity(s));
            break;
        default:
            if (cur->kind == MdKind::Code || cur->kind == MdKind::Html) cur->code += s;
            else add_text(s);
        }
        return 0;
    }

    // The entities prose is likely to use; others are shown as written.
    static std::string entity(std::string_view e) {
        static const std::pair<const char*, const char*> kNames[] = {
            {"&amp;", "&"},  {"&lt;", "<"},   {"&gt;", ">"},      {"&quot;", "\""},
            {"&nbsp;", " "}, {"&rarr;", "→"}, {"&larr;", "←"},    {"&mdash;", "—"},
            {"&ndash;", "–"}, {"&hellip;", "…"}, {"&times;", "×"}, {"&le;", "≤"}, {"&ge;", "≥"}};
        for (const auto& [name, text] : kNames)
            if (e == name) return text;
        if (e.size() > 3 && e[1] == '#') {
            uint32_t cp = 0;
            bool hex = e[2] == 'x' || e[2] == 'X';
            for (size_t i = hex ? 3 : 2; i + 1 < e.size(); i++) {
                char c = e[i];
                uint32_t d = c >= '0' && c <= '9'   ? uint32_t(c - '0')
                             : c >= 'a' && c <= 'f' ? uint32_t(c - 'a' + 10)
                             : c >= 'A' && c <= 'F' ? uint32_t(c - 'A' + 10)
                                                    : 99;
                if (d >= (hex ? 16u : 10u)) return std::string(e);
                cp = cp * (hex ? 16 : 10) + d;
                if (cp > 0x10FFFF) return std::string(e);
            }
            std::string out;
            if (cp < 0x80) out += char(cp);
            else if (cp < 0x800) out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
            else if (cp < 0x10000)
                out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)),
                    out += char(0x80 | (cp & 0x3F));
            else
                out += char(0xF0 | (cp >> 18)), out += char(0x80 | ((cp >> 12) & 0x3F)),
                    out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
            return out;
        }
        return std::string(e);
    }

    int enter_span(MD_SPANTYPE type, void* detail) {
        switch (type) {
        case MD_SPAN_EM: em++; break;
        case MD_SPAN_STRONG: strong++; break;
        case MD_SPAN_CODE: code++; break;
        case MD_SPAN_A: {
            auto* d = static_cast<MD_SPAN_A_DETAIL*>(detail);
            links.emplace_back(d->href.text ? d->href.text : "", d->href.size);
            break;
        }
        default: break;
        }
        return 0;
    }
    int leave_span(MD_SPANTYPE type) {
        switch (type) {
        case MD_SPAN_EM: em--; break;
        case MD_SPAN_STRONG: strong--; break;
        case MD_SPAN_CODE: code--; break;
        case MD_SPAN_A:
            if (!links.empty()) links.pop_back();
            break;
        default: break;
        }
        return 0;
    }
};

Walker* W(void* u) {
    return static_cast<Walker*>(u);
}

} // namespace

Result<MdDoc> parse_markdown(std::string_view text, uint32_t first_line) {
    Walker w;
    w.src = text;
    w.first_line = first_line;
    w.line_starts.push_back(0);
    for (size_t i = 0; i < text.size(); i++)
        if (text[i] == '\n') w.line_starts.push_back(i + 1);

    MD_PARSER p{};
    p.abi_version = 0;
    p.flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_NOHTMLBLOCKS | MD_FLAG_NOHTMLSPANS |
              MD_FLAG_PERMISSIVEURLAUTOLINKS;
    p.enter_block = [](MD_BLOCKTYPE t, void* d, void* u) { return W(u)->enter_block(t, d); };
    p.leave_block = [](MD_BLOCKTYPE t, void* d, void* u) { return W(u)->leave_block(t, d); };
    p.enter_span = [](MD_SPANTYPE t, void* d, void* u) { return W(u)->enter_span(t, d); };
    p.leave_span = [](MD_SPANTYPE t, void*, void* u) { return W(u)->leave_span(t); };
    p.text = [](MD_TEXTTYPE t, const MD_CHAR* s, MD_SIZE n, void* u) { return W(u)->text(t, s, n); };
    if (md_parse(text.data(), static_cast<MD_SIZE>(text.size()), &p, &w) != 0)
        return Error{"the Markdown parser gave up (out of memory?)"};

    MdDoc& d = w.doc;
    // Drop the empty paragraphs list items opened for text that never came (an item that
    // starts with a code block or a nested list).
    std::vector<uint32_t> new_index(d.blocks.size() + 1);
    std::vector<MdBlock> kept;
    for (size_t i = 0; i < d.blocks.size(); i++) {
        new_index[i] = static_cast<uint32_t>(kept.size());
        const MdBlock& b = d.blocks[i];
        bool empty = b.kind == MdKind::Paragraph && b.spans.empty();
        if (empty && b.list_item_start && i + 1 < d.blocks.size()) {
            d.blocks[i + 1].list_item_start = true; // the bullet goes on the next block
            d.blocks[i + 1].number = b.number;
        }
        if (!empty) kept.push_back(std::move(d.blocks[i]));
    }
    new_index[d.blocks.size()] = static_cast<uint32_t>(kept.size());
    d.blocks = std::move(kept);
    for (MdTop& t : d.tops) t.first_block = new_index[t.first_block], t.end_block = new_index[t.end_block];
    // Each top-level block covers the lines up to the next one that has a known line.
    uint32_t last_line = first_line + static_cast<uint32_t>(w.line_starts.size());
    for (MdTop& t : d.tops) {
        t.first_line = 0;
        for (uint32_t b = t.first_block; b < t.end_block; b++)
            if (d.blocks[b].line && (!t.first_line || d.blocks[b].line < t.first_line))
                t.first_line = d.blocks[b].line;
    }
    uint32_t next = last_line;
    for (size_t i = d.tops.size(); i-- > 0;) {
        d.tops[i].end_line = next;
        if (d.tops[i].first_line) next = d.tops[i].first_line;
    }
    return std::move(w.doc);
}

} // namespace klab

// Markdown for lessons: md4c (CommonMark + tables) turned into a flat list of blocks with
// styled spans, which the lesson parser reads for structure and a front end draws without
// knowing Markdown (headings, paragraphs, emphasis, inline code, code blocks, lists, quotes,
// links, tables). Source lines are kept so errors can name a line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace klab {

struct MdSpan {
    std::string text;
    bool em = false;
    bool strong = false;
    bool code = false;
    std::string href; // non-empty inside a link
};

enum class MdKind : uint8_t { Heading, Paragraph, Code, Rule, TableRow, Html };

struct MdBlock {
    MdKind kind = MdKind::Paragraph;
    uint32_t line = 0;        // first source line (1-based); 0 when md4c gave no position
    uint32_t level = 0;       // heading level 1..6
    uint32_t quote_depth = 0; // inside this many block quotes
    uint32_t list_depth = 0;  // inside this many lists (0: not a list item)
    bool list_item_start = false; // the first block of a list item: draw its bullet/number
    bool ordered = false;         // the innermost list is numbered
    uint32_t number = 0;          // the item's number in a numbered list
    bool header_row = false;      // TableRow: a row of the table head
    uint32_t top = 0;             // index of the top-level block (child of the document) it is in
    std::string lang;             // Code: the fence's info word ("c", "setup", "goal", ...)
    std::string code;             // Code / Html: the text, verbatim
    std::vector<MdSpan> spans;    // Heading / Paragraph
    std::vector<std::vector<MdSpan>> cells; // TableRow
    // The text of the spans without styling.
    std::string plain() const;
};

// A top-level block of the document and the lines of source it covers.
struct MdTop {
    uint32_t first_line = 0; // 1-based
    uint32_t end_line = 0;   // one past the last line (the next top-level block's first line)
    uint32_t first_block = 0, end_block = 0; // its blocks in MdDoc::blocks
};

struct MdDoc {
    std::vector<MdBlock> blocks;
    std::vector<MdTop> tops;
};

// first_line: the source line of text[0] (lessons strip their header block first).
Result<MdDoc> parse_markdown(std::string_view text, uint32_t first_line = 1);

} // namespace klab

// Markdown as HTML for the page's text version of the lesson panel (web/lab-a11y.js), which
// screen readers read: md4c's own HTML renderer, with the dialect the lesson parser uses
// (engine/lesson/markdown.cpp). Raw HTML in a lesson is not let through: it comes out as text.
#include <emscripten/bind.h>
#include <md4c-html.h>

#include <string>

namespace {

void append(const MD_CHAR* text, MD_SIZE size, void* out) {
    static_cast<std::string*>(out)->append(text, size);
}

std::string markdown_html(const std::string& markdown) {
    std::string out;
    const unsigned flags = MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_NOHTMLBLOCKS |
                           MD_FLAG_NOHTMLSPANS | MD_FLAG_PERMISSIVEURLAUTOLINKS;
    if (md_html(markdown.data(), static_cast<MD_SIZE>(markdown.size()), append, &out, flags, 0) != 0)
        return {};
    return out;
}

} // namespace

EMSCRIPTEN_BINDINGS(klab_a11y) {
    emscripten::function("markdownHtml", &markdown_html);
}

// cli/fmt_library.cpp — the compiled part of {fmt}, built into the executable so that it does not
// load Debian's libfmt.so at start-up: that library alone needs the shared libstdc++, which the
// executable otherwise links statically (cmake/startup.cmake, docs/performance.md). The rest of the
// tree keeps compiling against fmt's ordinary (not header-only) interface, so no object changes;
// this file holds the definitions the library would provide: format-inl.h's functions, and the
// templates format.h declares `extern`.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);
}  // namespace detail
FMT_END_NAMESPACE

# cmake/EmbedFile.cmake — turns one file into a C++ source holding its bytes.
#
#   cmake -DIN=web/admin/index.html -DOUT=build/generated/admin_page.cpp \
#         -DNAME=skald_admin_index_html -P cmake/EmbedFile.cmake
#
# Defines `const unsigned char NAME[]` (the bytes plus a trailing NUL) and
# `const size_t NAME_size` (without the NUL). The output is written to a
# temporary file and renamed, so an interrupted build never leaves half a file.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# One line per 32 bytes keeps the generated file readable in a diff tool.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
get_filename_component(out_dir "${OUT}" DIRECTORY)
file(MAKE_DIRECTORY "${out_dir}")
file(WRITE "${OUT}.tmp"
  "// Generated from ${IN} by cmake/EmbedFile.cmake; do not edit.\n"
  "#include <cstddef>\n"
  "extern const unsigned char ${NAME}[];\n"
  "extern const size_t ${NAME}_size;\n"
  "const unsigned char ${NAME}[] = {\n${bytes}0x00};\n"
  "const size_t ${NAME}_size = ${size};\n")
file(RENAME "${OUT}.tmp" "${OUT}")

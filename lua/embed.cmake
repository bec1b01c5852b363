# cmake -DIN=file.lua -DOUT=file.c -DNAME=ident -P embed.cmake
# Writes OUT with `const char NAME[]` (IN's bytes, not NUL-terminated) and
# `const unsigned long NAME_len`: Lua source compiled into the module.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake: do not edit. */\n"
  "const char ${NAME}[] = {\n${bytes}};\nconst unsigned long ${NAME}_len = ${n};\n")

# minga_embed(OUT_VAR SYMBOL FILE): turns FILE into a C source defining
#   const unsigned char SYMBOL[]; const size_t SYMBOL_len;
# (NUL-terminated, so text can be used as a C string), and appends the
# generated file's path to OUT_VAR. The file is regenerated when FILE
# changes. Used for reference data and the web page's assets, so the binary
# needs no data folder at run time.
function(minga_embed out_var symbol file)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/embed_${symbol}.c)
  add_custom_command(
    OUTPUT ${gen}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${gen} -DSYM=${symbol}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_file.cmake
    DEPENDS ${file} ${CMAKE_SOURCE_DIR}/cmake/embed_file.cmake
    COMMENT "Embedding ${file}")
  set(${out_var} ${${out_var}} ${gen} PARENT_SCOPE)
endfunction()

# Renders Markdown snippets the way Jekyll 4 does: Jekyll's own kramdown
# converter, fed Jekyll's default configuration (Jekyll::Configuration::DEFAULTS:
# input GFM, hard_wrap false, auto_ids, entity_output as_char, smart_quotes
# lsquo,rsquo,ldquo,rdquo, footnote_nr 1, toc_levels 1..6, guess_lang, and the
# rouge highlighter with default_lang plaintext).
# stdin: a JSON array of Markdown strings; stdout: a JSON array of HTML strings.
require "jekyll"
require "json"

config = Jekyll::Utils.deep_merge_hashes(Jekyll::Configuration::DEFAULTS, {})
converter = Jekyll::Converters::Markdown::KramdownParser.new(config)
snippets = JSON.parse($stdin.read)
print JSON.generate(snippets.map { |text| converter.convert(text) })

-- printed(fn): what fn printed with print, its lines joined by "\n"
-- (print's arguments joined by tabs, as wtlua's print does).
return function(fn)
  local lines, saved = {}, print
  print = function(...)
    local parts = table.pack(...)
    for i = 1, parts.n do parts[i] = tostring(parts[i]) end
    lines[#lines + 1] = table.concat(parts, "\t", 1, parts.n)
  end
  local ok, err = pcall(fn)
  print = saved
  assert(ok, err)
  return table.concat(lines, "\n")
end

-- wt.opts: a key given more than once (many = true), and a plain one.
local opts = require "wt.opts"

local spec = { inject = { "string", many = true }, rate = { "number" } }
local v = opts.parse(spec, { inject = "b", rate = "0.5" }, { inject = { "a", "b" } })
assert(#v.inject == 2 and v.inject[1] == "a" and v.inject[2] == "b" and v.rate == 0.5)
v = opts.parse(spec, {}, {})
assert(type(v.inject) == "table" and #v.inject == 0 and v.rate == nil)
-- each value converted and checked
local ok = pcall(opts.parse, { n = { "integer", many = true } }, { n = "x" },
                 { n = { "1", "x" } })
assert(not ok)
assert(opts.parse({ n = { "integer", many = true } }, { n = "2" }, { n = { "1", "2" } }).n[2] == 2)

print("ok")

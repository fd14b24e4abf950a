#!/bin/sh
exec sh "$top_srcdir/tests/fuzz/replay.sh" rpzfeed

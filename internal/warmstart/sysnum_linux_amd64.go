package warmstart

const sysMadvise = 28 // SYS_MADVISE

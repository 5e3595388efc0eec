// Names the edges declare flags and parameters with, in a module light enough for `--help`.
export { CHANGE_ITEM_KINDS } from '#ledger/kinds';

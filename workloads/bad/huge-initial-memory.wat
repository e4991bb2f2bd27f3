;; Resource limit: 40000 pages (2.4 GiB) of initial memory, over the harness's cap.
(module
  (memory (export "memory") 40000)
  (func (export "_start")))


/*
 * Copyright (C) ngx_news_module authors
 *
 * make test-asan preloads this into nginx after the sanitizer runtime:
 * dlclose() keeps the library mapped.  LeakSanitizer reports at exit, when
 * nginx has already unloaded the module with its cycle; without this every
 * frame of the module in a leak report reads "<unknown module>".  nginx
 * loads the new cycle's modules before it unloads the old ones, so a
 * reload never unmaps the module anyway: only exits and failed
 * configurations behave differently.
 */


int
dlclose(void *handle)
{
    (void) handle;

    return 0;
}

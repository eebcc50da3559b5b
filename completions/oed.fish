# fish completion for oed and its tools; option words come from --list-options.

function __oed_options
    set -l words (commandline -opc)
    set -l cmd $words[1]
    if test "$cmd" = oed; and test (count $words) -ge 2
        set cmd oed-$words[2]
    end
    $cmd --list-options 2>/dev/null
end

for tool in oed-ingest oed-entropy oed-mi oed-drift oed-tokens oed-bench oed-monitor oed-report
    complete -c $tool -n 'string match -q -- "-*" (commandline -ct)' -f -a '(__oed_options)'
end
complete -c oed -n '__fish_use_subcommand' -f -a 'ingest entropy mi drift tokens bench monitor report'
complete -c oed -n 'not __fish_use_subcommand; and string match -q -- "-*" (commandline -ct)' -f -a '(__oed_options)'

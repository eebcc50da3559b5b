# fish completion for oed and its tools; option words and the values of
# options that take names come from --list-options.

function __oed_cmd
    set -l words (commandline -opc)
    set -l cmd $words[1]
    if test "$cmd" = oed; and test (count $words) -ge 2
        set cmd oed-$words[2]
    end
    echo $cmd
end

# Option words: the lines that are not "--NAME=VALUE".
function __oed_options
    set -l cmd (__oed_cmd)
    $cmd --list-options 2>/dev/null | string match -v -r -- '^--[^=]*=.'
end

# The option whose value is being typed: "--NAME=..." in the current
# token, or the previous token; a short option becomes its long name.
function __oed_value_option
    set -l cur (commandline -ct)
    set -l words (commandline -opc)
    set -l opt
    if string match -q -- '--*=*' "$cur"
        set opt (string split -m 1 = -- "$cur")[1]
    else if test (count $words) -ge 2; and string match -q -- '-*' $words[-1]; and not string match -q -- '-*' "$cur"
        set opt $words[-1]
    else
        return 1
    end
    set -l cmd (__oed_cmd)
    set -l lines ($cmd --list-options 2>/dev/null)
    if not string match -q -- '--*' $opt
        set -l i (contains -i -- $opt $lines); or return 1
        set opt (string trim -r -c = -- $lines[(math $i + 1)])
    end
    string match -q -r -- "^$opt=." $lines; or return 1
    echo $opt
end

function __oed_values
    set -l opt (__oed_value_option); or return
    set -l cur (commandline -ct)
    set -l pre ''
    if string match -q -- '--*=*' "$cur"
        set pre "$opt="
    end
    # a list such as --normalize trim,space: complete its last item
    set -l val (string replace -- "$pre" '' "$cur")
    if string match -q -- '*,*' $val
        set pre "$pre"(string replace -r -- '[^,]*$' '' "$val")
    end
    set -l cmd (__oed_cmd)
    for v in ($cmd --list-options 2>/dev/null | string match -r -- "^$opt=.+")
        echo "$pre"(string replace -- "$opt=" '' "$v")
    end
end

for tool in oed-ingest oed-entropy oed-mi oed-drift oed-tokens oed-bench oed-monitor oed-report
    complete -c $tool -n '__oed_value_option >/dev/null' -f -a '(__oed_values)'
    complete -c $tool -n 'not __oed_value_option >/dev/null; and string match -q -- "-*" (commandline -ct)' -f -a '(__oed_options)'
end
complete -c oed -n '__fish_use_subcommand' -f -a 'ingest entropy mi drift tokens bench monitor report'
complete -c oed -n 'not __fish_use_subcommand; and __oed_value_option >/dev/null' -f -a '(__oed_values)'
complete -c oed -n 'not __fish_use_subcommand; and not __oed_value_option >/dev/null; and string match -q -- "-*" (commandline -ct)' -f -a '(__oed_options)'
